import type { WebhookError, WebhookErrorCode } from "./errors.js";
import type { Logger } from "./types.js";

/** What every hook is told: which receiver, and a token that is the same object for every hook of one delivery attempt. */
export interface HookBase {
  readonly provider: string;
  /** Identity only: the same object in every hook call of one request (or one inbox retry). */
  readonly attempt: object;
}

export interface RequestInfo extends HookBase {
  readonly method: string;
}

/** A request refused before its event reached listeners (auth, body, schema, method...). */
export interface RejectedInfo extends HookBase {
  readonly code: WebhookErrorCode;
  readonly status: number;
  /** Event name, when the refusal came after the event was identified (`invalid_payload`). */
  readonly event: string | undefined;
  /** Time since the request arrived. */
  readonly durationMs: number;
  readonly error: WebhookError;
}

/** Authenticated, parsed and validated: about to be deduplicated and dispatched. */
export interface VerifiedInfo extends HookBase {
  readonly event: string;
  readonly known: boolean;
  readonly deliveryId: string | undefined;
  /** Time from arrival to verified (reading, parsing, validating). */
  readonly durationMs: number;
}

/** Listeners ran (a request's dispatch, or an inbox retry: `retry` true). */
export interface DispatchedInfo extends HookBase {
  readonly event: string;
  readonly known: boolean;
  readonly deliveryId: string | undefined;
  /** Time spent in listeners. */
  readonly durationMs: number;
  readonly retry: boolean;
}

export interface FailedInfo extends DispatchedInfo {
  readonly code: WebhookErrorCode;
  readonly error: WebhookError;
}

/** The answer sent, for every request. */
export interface ResponseInfo extends HookBase {
  readonly status: number;
  /** `"ok"`, `"duplicate"`, or the refusal's error code. */
  readonly outcome: "ok" | "duplicate" | WebhookErrorCode;
  readonly event: string | undefined;
  readonly known: boolean | undefined;
  readonly deliveryId: string | undefined;
  /** Time from arrival to answer. */
  readonly durationMs: number;
}

export interface ListenerInfo extends HookBase {
  readonly event: string;
  readonly known: boolean;
  readonly deliveryId: string | undefined;
  /** Position of the listener among those the event goes to. */
  readonly index: number;
}

/**
 * Callbacks at each stage of a delivery, for metrics, traces and audit logs. A hook
 * that throws is logged and ignored: it never changes the answer. With no hooks the
 * pipeline does no extra work.
 */
export interface ReceiverHooks {
  onRequest?(info: RequestInfo): void;
  onRejected?(info: RejectedInfo): void;
  onVerified?(info: VerifiedInfo): void;
  onDispatched?(info: DispatchedInfo): void;
  onFailed?(info: FailedInfo): void;
  onResponse?(info: ResponseInfo): void;
  /**
   * Runs around each listener call (e.g. to make it a child span). Must call `call`
   * once and return what it returns (or a promise settling the same way).
   */
  aroundListener?(info: ListenerInfo, call: () => unknown): unknown;
}

type Notify = Exclude<keyof ReceiverHooks, "aroundListener">;
const NOTIFY: readonly Notify[] = ["onRequest", "onRejected", "onVerified", "onDispatched", "onFailed", "onResponse"];

/** Hooks as the pipeline calls them: each present only if some hook set has it; never throwing. */
export type CompiledHooks = { [K in Notify]?: (info: Parameters<NonNullable<ReceiverHooks[K]>>[0]) => void } & {
  aroundListener?: ReceiverHooks["aroundListener"];
};

/** Merges hook sets into one, each call guarded; undefined when there is nothing to call. */
export function compileHooks(
  hooks: ReceiverHooks | readonly ReceiverHooks[] | undefined,
  logger: Logger | undefined,
): CompiledHooks | undefined {
  const sets = hooks === undefined ? [] : Array.isArray(hooks) ? (hooks as readonly ReceiverHooks[]) : [hooks as ReceiverHooks];
  const compiled: CompiledHooks = {};
  let any = false;
  for (const name of NOTIFY) {
    const fns = sets.flatMap((set): ((info: never) => void)[] => (typeof set[name] === "function" ? [set[name].bind(set)] : []));
    if (fns.length === 0) continue;
    any = true;
    (compiled as Record<Notify, (info: never) => void>)[name] = (info: never) => {
      for (const fn of fns) {
        try {
          fn(info);
        } catch (error) {
          logger?.error({ err: error, hook: name }, "A receiver hook threw; the answer is unchanged.");
        }
      }
    };
  }
  const arounds = sets.flatMap((set) => (typeof set.aroundListener === "function" ? [set.aroundListener.bind(set)] : []));
  if (arounds.length > 0) {
    any = true;
    compiled.aroundListener = arounds.reduceRight<NonNullable<ReceiverHooks["aroundListener"]>>(
      (inner, outer) => (info, call) => outer(info, () => inner(info, call)),
      (_info, call) => call(),
    );
  }
  return any ? compiled : undefined;
}
