import { resolveHeaderSecretOptions } from "../core/options.js";
import { OKSKY_SECRET_HEADER, type OkskyMeta, okskyProtocol, type OkskyReceiverOptions } from "../providers/oksky/protocol.js";
import type { OkskyEventSchemas } from "../providers/oksky/schema.js";
import type { ExpressWebhookReceiver } from "../adapters/express.js";
import { createReceiver } from "./create-receiver.js";

export type OkskyReceiver = ExpressWebhookReceiver<"oksky", OkskyEventSchemas, OkskyMeta>;

/**
 * Receives OK SKY webhooks, checking `X-Oksky-Secret-Token`, in whichever content type
 * the webhook was set to (JSON, JSON:API, urlencoded or multipart). Every genuine
 * delivery is answered 200, as OK SKY asks: an invalid payload, a failing or slow
 * listener goes to `onError` (OK SKY never resends; keep what you must not lose).
 *
 * @example
 * const oksky = createOkskyReceiver({ secret: process.env.OKSKY_WEBHOOK_SECRET! });
 * oksky.on("Message.create", (e) => console.log(e.payload.object.room_id, e.payload.object.content));
 * oksky.onError((error) => console.error(error.code, error.event?.name));
 * app.use("/hooks/oksky", oksky.router);
 */
export function createOkskyReceiver(options: OkskyReceiverOptions): OkskyReceiver {
  const resolved = resolveHeaderSecretOptions(options, OKSKY_SECRET_HEADER, okskyProtocol, "createOkskyReceiver");
  return createReceiver(okskyProtocol, resolved);
}
