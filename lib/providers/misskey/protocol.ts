import { getHeader } from "../../core/request/headers.js";
import type { HeaderSecretOptions } from "../../core/options.js";
import { parseEnvelope, type ProviderProtocol } from "../../core/protocol.js";
import type { EventMap } from "../../core/receiver.js";
import type { HeaderMap } from "../../core/types.js";
import { misskeyEnvelopeSchema, misskeyEventSchemas, type MisskeyEventSchemas } from "./schema.js";

/**
 * Which server software sent a delivery, as far as the request tells. Sharkey and
 * CherryPick send Misskey's headers and User-Agent unchanged, so they read as
 * `"misskey"`, except Sharkey's own `edited` event, which only Sharkey sends.
 * `"unknown"`: no family header, or a User-Agent that is not the family's.
 */
export type MisskeySoftware = "misskey" | "sharkey" | "firefish" | "iceshrimp" | "unknown";

/** Where a Misskey-family delivery came from (its request headers). */
export interface MisskeyMeta {
  /** Which server software sent it (header family and User-Agent; see `MisskeySoftware`). */
  software: MisskeySoftware;
  /** `X-Misskey-Host` (`X-Firefish-Host`, `X-Iceshrimp-Host`): the instance's host name. */
  host: string | undefined;
  /** `X-Misskey-Hook-Id` (`X-Firefish-Hook-Id`, `X-Iceshrimp-Hook-Id`): the webhook's id on that instance. */
  hookId: string | undefined;
}

/**
 * The header families of the Misskey webhook protocol, each as its sender writes it
 * (sources in PROVIDERS.md beside this file).
 */
const FAMILIES = [
  { software: "misskey", prefix: "X-Misskey", userAgent: "Misskey-Hooks" },
  { software: "firefish", prefix: "X-Firefish", userAgent: "Firefish-Hooks" },
  { software: "iceshrimp", prefix: "X-Iceshrimp", userAgent: "Iceshrimp-Hooks" },
] as const;

export const MISSKEY_SECRET_HEADER = "X-Misskey-Hook-Secret";
/** The secret header of each Misskey-family server; a delivery sends exactly one. */
export const MISSKEY_FAMILY_SECRET_HEADERS: readonly string[] = FAMILIES.map((f) => `${f.prefix}-Hook-Secret`);

function familyOf(headers: HeaderMap): (typeof FAMILIES)[number] | undefined {
  // The secret header decides (authentication checked it is the only one); without one
  // (allowUnauthenticated), the host header.
  const lower = (f: (typeof FAMILIES)[number], suffix: string) => `${f.prefix}-${suffix}`.toLowerCase();
  return (
    FAMILIES.find((f) => getHeader(headers, lower(f, "hook-secret")) !== undefined) ??
    FAMILIES.find((f) => getHeader(headers, lower(f, "host")) !== undefined)
  );
}

function metaOf(headers: HeaderMap, type: string): MisskeyMeta {
  const family = familyOf(headers);
  if (!family) return { software: "unknown", host: undefined, hookId: undefined };
  const host = getHeader(headers, `${family.prefix}-host`.toLowerCase());
  const hookId = getHeader(headers, `${family.prefix}-hook-id`.toLowerCase());
  if (getHeader(headers, "user-agent") !== family.userAgent) return { software: "unknown", host, hookId };
  // Only Sharkey sends `edited` (its Webhook.ts adds it to Misskey's event list).
  const software = family.software === "misskey" && type === "edited" ? "sharkey" : family.software;
  return { software, host, hookId };
}

export const misskeyProtocol: ProviderProtocol<"misskey", MisskeyEventSchemas, MisskeyMeta, string> = {
  provider: "misskey",
  events: misskeyEventSchemas,
  formats: ["json"],
  // Before 13.11 Misskey set no type and fetch sent "text/plain;charset=UTF-8".
  jsonAliases: ["text/plain", ""],
  identify(payload, request) {
    const envelope = parseEnvelope(misskeyEnvelopeSchema, payload, "misskey");
    return { name: envelope.type, id: envelope.eventId, meta: metaOf(request.headers, envelope.type) };
  },
  // Misskey retries 5xx, 429 and timeouts (4 tries over ~11 min); other 4xx are final.
  resends: true,
  dedupeByDefault: true,
  // The sender aborts at 5 s: answer before it does.
  dispatchTimeoutMs: 4000,
};

export type MisskeyReceiverOptions = HeaderSecretOptions;
/** Each Misskey event by name; `id` is the delivery's `eventId`, always sent. */
export type MisskeyEvents = EventMap<"misskey", MisskeyEventSchemas, MisskeyMeta, string>;
