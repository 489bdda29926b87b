import { resolveGenericAuthOptions } from "../core/options.js";
import { type OneInboxMeta, oneInboxProtocol, type OneInboxReceiverOptions } from "../providers/oneinbox/protocol.js";
import type { OneInboxEventSchemas } from "../providers/oneinbox/schema.js";
import type { ExpressWebhookReceiver } from "../adapters/express.js";
import { createReceiver } from "./create-receiver.js";

export type OneInboxReceiver = ExpressWebhookReceiver<"oneinbox", OneInboxEventSchemas, OneInboxMeta, string, string | undefined>;

/**
 * Receives OneInbox call and transcript webhooks. A call created with its own
 * `webhook_url` can point at another receiver: mount as many as you need.
 *
 * @example
 * const oneinbox = createOneInboxReceiver({ auth: { token: process.env.ONEINBOX_WEBHOOK_TOKEN! } });
 * oneinbox.on("call.ended", (e) => console.log(e.payload.call_id, e.payload.outcome));
 * app.use("/hooks/oneinbox", oneinbox.router); // register https://.../hooks/oneinbox?token=...
 */
export function createOneInboxReceiver(options: OneInboxReceiverOptions): OneInboxReceiver {
  const resolved = resolveGenericAuthOptions(options, oneInboxProtocol, "createOneInboxReceiver");
  return createReceiver(oneInboxProtocol, resolved);
}
