import { resolveHeaderSecretOptions } from "../core/options.js";
import {
  MISSKEY_FAMILY_SECRET_HEADERS,
  type MisskeyMeta,
  misskeyProtocol,
  type MisskeyReceiverOptions,
} from "../providers/misskey/protocol.js";
import type { MisskeyEventSchemas } from "../providers/misskey/schema.js";
import type { ExpressWebhookReceiver } from "../adapters/express.js";
import { createReceiver } from "./create-receiver.js";

export type MisskeyReceiver = ExpressWebhookReceiver<"misskey", MisskeyEventSchemas, MisskeyMeta, string>;

/**
 * Receives Misskey webhooks (user and system hooks) and those of Misskey-compatible
 * servers (Sharkey, CherryPick, Firefish, Iceshrimp), checking the secret in the header
 * the sender uses: `X-Misskey-Hook-Secret`, `X-Firefish-Hook-Secret` or
 * `X-Iceshrimp-Hook-Secret` (exactly one). `e.meta.software` says which sent it.
 *
 * @example
 * const misskey = createMisskeyReceiver({ secret: process.env.MISSKEY_HOOK_SECRET! });
 * misskey.on("note", (e) => console.log(e.payload.body.note.text));
 * app.use("/hooks/misskey", misskey.router);
 */
export function createMisskeyReceiver(options: MisskeyReceiverOptions): MisskeyReceiver {
  const resolved = resolveHeaderSecretOptions(options, MISSKEY_FAMILY_SECRET_HEADERS, misskeyProtocol, "createMisskeyReceiver");
  return createReceiver(misskeyProtocol, resolved);
}
