import { withExpressRouter, type ExpressWebhookReceiver } from "../adapters/express.js";
import type { ResolvedOptions } from "../core/options.js";
import type { EventSchemas, ProviderProtocol } from "../core/protocol.js";
import { WebhookReceiver } from "../core/receiver.js";

/**
 * A receiver for a provider's protocol, with its Express router and plain handler: what
 * every `createXReceiver` returns. The composition lives here, above both the protocol
 * sheets (lib/providers) and the adapters, so that a provider never imports an adapter.
 */
export function createReceiver<P extends string, S extends EventSchemas, M, I extends string | undefined, U extends string | undefined>(
  protocol: ProviderProtocol<P, S, M, I, U>,
  options: ResolvedOptions,
): ExpressWebhookReceiver<P, S, M, I, U> {
  return withExpressRouter(new WebhookReceiver(protocol, options));
}
