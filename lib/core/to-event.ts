import { setDeliveryScope } from "./delivery/delivery-key.js";
import { WebhookError } from "./errors.js";
import type { EventSchemas, ProviderProtocol } from "./protocol.js";
import type { WebhookEventBase, WebhookRequest } from "./types.js";

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Names the payload's event and validates it against that event's schema: a known
 * event, an unknown one (no schema: `payload` stays unknown), or `invalid_payload`
 * carrying the would-be event, the raw payload and the zod issues. `original`: what the
 * protocol's normalize() made `payload` from, if anything. `scope`: the tenant
 * scope of its dedupe and inbox keys (where a resolver found the credentials).
 */
export function toEvent<P extends string, S extends EventSchemas, M>(
  protocol: ProviderProtocol<P, S, M>,
  request: WebhookRequest,
  payload: unknown,
  original: unknown,
  scope?: string,
): WebhookEventBase | WebhookError {
  const event = identified(protocol, request, payload, original);
  if (scope !== undefined && !(event instanceof WebhookError)) setDeliveryScope(event, scope);
  return event;
}

function identified<P extends string, S extends EventSchemas, M>(
  protocol: ProviderProtocol<P, S, M>,
  request: WebhookRequest,
  payload: unknown,
  original: unknown,
): WebhookEventBase | WebhookError {
  const { provider } = protocol;
  const identity = protocol.identify(payload, request, original);
  const { name, id } = identity;
  const meta = { ...identity.meta, params: request.params ?? NO_PARAMS };
  const receivedAt = new Date();
  const schema = Object.hasOwn(protocol.events, name) ? protocol.events[name] : undefined;
  if (schema === undefined) return { provider, name, id, receivedAt, meta, payload, known: false };
  const result = schema.safeParse(payload);
  if (result.success) return { provider, name, id, receivedAt, meta, payload: result.data, known: true };
  return new WebhookError("invalid_payload", `The "${name}" payload does not match its schema.`, {
    provider,
    event: { provider, name, id, receivedAt, meta, payload, known: true },
    payload,
    issues: result.error.issues,
  });
}
