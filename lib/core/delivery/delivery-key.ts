import { createHash } from "node:crypto";
import { MAX_ID_LENGTH } from "./deduper.js";
import type { WebhookEventBase } from "../types.js";

// Beside the event rather than on it: `event` is the user's object, and its `id` stays the provider's.
const scopes = new WeakMap<WebhookEventBase, string>();

/** Records the tenant scope an event was received in (credentials found by a resolver). */
export function setDeliveryScope(event: WebhookEventBase, scope: string): void {
  scopes.set(event, scope);
}

/**
 * The key a delivery is deduplicated and stored under, from its delivery `id`: the id
 * itself with fixed secrets (as ever), `@<scope>:<id>` for a tenant's (see `tenantScope`).
 */
export function deliveryKey(event: WebhookEventBase, id: string): string {
  const scope = scopes.get(event);
  return scope === undefined ? id : `@${scope}:${id}`;
}

/** The store key of a delivery key under a provider's prefix: bounded in length, whatever the id. */
export function dedupeStoreKey(prefix: string, id: string): string {
  return prefix + (id.length <= MAX_ID_LENGTH ? id : `sha256:${createHash("sha256").update(id).digest("base64url")}`);
}
