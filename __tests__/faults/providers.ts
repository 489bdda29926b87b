import type { Router } from "express";
import type { WebhookError } from "../../lib/core/errors.js";
import type { WebhookEventBase } from "../../lib/core/types.js";
import type { InboxOptions } from "../../lib/core/options.js";
import type { DedupeStore } from "../../lib/stores/types.js";
import type { InboxStore } from "../../lib/inbox/types.js";
import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
} from "../../lib/index.js";
import { kakaoBizmessageDelivery, misskeyDelivery, okskyDelivery, oneInboxDelivery, pokepayDelivery } from "../../lib/testing/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";

export const SECRET = "fault-secret-3f9a";

/** The options the fault tests vary; every factory takes them. */
export interface FaultOptions {
  dispatchTimeoutMs?: number;
  ack?: "after-dispatch" | "immediate";
  dedupe?: false | DedupeStore;
  inbox?: InboxStore | InboxOptions;
  logger?: false;
}

/** What the fault tests use of a receiver, whatever its provider. */
export interface AnyReceiver {
  onAny(listener: (event: WebhookEventBase) => unknown): unknown;
  onError(listener: (error: WebhookError) => unknown): unknown;
  close(options?: { timeoutMs?: number }): Promise<void>;
  readonly router: Router;
}

/** One provider: how to build its receiver and a genuine delivery, and what README says it answers. */
export interface ProviderCase {
  name: string;
  path: string;
  resends: boolean;
  create(options: FaultOptions): AnyReceiver;
  /** A genuine delivery; `overrides` are merged into its payload. */
  delivery(overrides?: Record<string, unknown>): Delivery;
}

export const providerCases: readonly ProviderCase[] = [
  {
    name: "misskey",
    path: "/hooks/misskey",
    resends: true,
    create: (options) => createMisskeyReceiver({ secret: SECRET, ...options }),
    delivery: (overrides) => misskeyDelivery("note", { secret: SECRET, rawOverrides: overrides }),
  },
  {
    name: "oksky",
    path: "/hooks/oksky",
    resends: false,
    create: (options) => createOkskyReceiver({ secret: SECRET, ...options }),
    delivery: (overrides) => okskyDelivery("Message.create", { secret: SECRET, rawOverrides: overrides }),
  },
  {
    name: "kakao-bizmessage",
    path: "/hooks/kakao",
    resends: true,
    create: (options) => createKakaoBizmessageReceiver({ secret: SECRET, ...options }),
    delivery: (overrides) => kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET, rawOverrides: overrides }),
  },
  {
    name: "oneinbox",
    path: "/hooks/oneinbox",
    resends: true,
    create: (options) => createOneInboxReceiver({ auth: { token: SECRET }, ...options }),
    delivery: (overrides) => oneInboxDelivery("call.ended", { token: SECRET, rawOverrides: overrides }),
  },
  {
    name: "pokepay",
    path: "/hooks/pokepay",
    resends: true,
    create: (options) => createPokepayReceiver({ auth: { token: SECRET }, ...options }),
    delivery: (overrides) => pokepayDelivery("process_user_stats_operation", { token: SECRET, rawOverrides: overrides }),
  },
];
