import type { z } from "zod";
import type { BodyFormat } from "./content-types/parse-body.js";
import { WebhookError } from "./errors.js";
import type { WebhookRequest } from "./types.js";

/** Known event names and the zod schema of the payload each one carries. */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/** What names an event and identifies its delivery. */
export interface Identity<I extends string | undefined = string | undefined> {
  name: string;
  /** The delivery id for dedupe; undefined where the provider sends none. */
  id: I;
}

/**
 * One provider's protocol sheet: what it sends, how an event is named and a delivery
 * identified, how it wants to be answered. The pipeline does the rest.
 *
 * `I` types the delivery id of a known event, `U` that of an unknown one: `string` where
 * the provider always sends one, so listeners need not check.
 */
export interface ProviderProtocol<
  P extends string,
  S extends EventSchemas,
  M,
  I extends string | undefined = string | undefined,
  U extends string | undefined = I,
> {
  readonly provider: P;
  /** Known events; any other name reaches `onAny` as an unknown event. */
  readonly events: S;
  /** Body formats the provider sends (others: 415). */
  readonly formats: readonly BodyFormat[];
  /** Media types also parsed as JSON ("" = no Content-Type header). */
  readonly jsonAliases: readonly string[];
  /** Brings the parsed body to the shape the schemas describe (e.g. form layouts). */
  normalize?(body: unknown, format: BodyFormat): unknown;
  /** Checks the envelope and names the event; throws `invalid_envelope`. */
  identify(payload: unknown): Identity<I | U>;
  /** Delivery metadata from the request (headers), given to listeners as `event.meta`. */
  meta(request: WebhookRequest, payload: unknown): M;
  /**
   * True where the sender resends after a 5xx or timeout: failures are answered
   * honestly (5xx) so the delivery comes back. False (OK SKY): always 200, failures go
   * to `onError`.
   */
  readonly resends: boolean;
  /** Whether dedupe is on unless the user says otherwise. */
  readonly dedupeByDefault: boolean;
  /** Default time listeners get before the sender would give up. */
  readonly dispatchTimeoutMs: number;
}

/** Validates an envelope with its schema, turning failure into `invalid_envelope`. */
export function parseEnvelope<T>(schema: z.ZodType<T>, payload: unknown, provider: string): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  throw new WebhookError("invalid_envelope", `The body is not a ${provider} webhook envelope.`, {
    provider,
    payload,
    issues: result.error.issues,
  });
}
