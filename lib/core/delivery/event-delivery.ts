import type { AnswerPolicy } from "../answer.js";
import type { Emitter } from "./emitter.js";
import type { WebhookError } from "../errors.js";
import type { CompiledHooks } from "../hooks.js";
import type { WebhookEventBase, WebhookResponse } from "../types.js";

/** What a way of delivering events (direct, or through an inbox) needs from the receiver. */
export interface DeliveryContext {
  provider: string;
  emitter: Emitter;
  report: (error: WebhookError) => void;
  /** What to answer for each outcome, from the provider's resend policy. */
  answers: AnswerPolicy;
  ack: "after-dispatch" | "immediate";
  dispatchTimeoutMs: number;
  hooks: CompiledHooks | undefined;
}

/** Takes a validated event to the listeners and says what to answer. */
export interface EventDelivery {
  /** `attempt`: the hooks' token for this request (undefined without hooks). */
  deliver(event: WebhookEventBase, attempt: object | undefined): Promise<WebhookResponse>;
  /** Waits (at most `timeoutMs`) for dispatches under way; starts no new work. */
  close(timeoutMs: number): Promise<void>;
}
