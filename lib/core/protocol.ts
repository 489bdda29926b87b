import type { z } from "zod";
import type { BodyFormat } from "./request/content-types/parse-body.js";
import { WebhookError } from "./errors.js";
import type { WebhookRequest } from "./types.js";

/** Known event names and the zod schema of the payload each one carries. */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/** A body brought to the shape the schemas describe, and the document it was made from if it was reshaped. */
export interface NormalizedBody {
  payload: unknown;
  original?: unknown;
}

/** What names an event, identifies its delivery and says where it came from: read in one parse. */
export interface Identity<I extends string | undefined = string | undefined, M = unknown> {
  name: string;
  /** The delivery id for dedupe; undefined where the provider sends none. */
  id: I;
  /** Delivery metadata (from headers or the envelope), given to listeners as `event.meta`. */
  meta: M;
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
  normalize?(body: unknown, format: BodyFormat): NormalizedBody;
  /**
   * Checks the envelope (once) and names the event, its delivery id and its metadata;
   * throws `invalid_envelope`. `original`: what normalize() made the payload from, if it
   * reshaped a document (e.g. OK SKY's JSON:API), for the metadata.
   */
  identify(payload: unknown, request: WebhookRequest, original: unknown): Identity<I | U, M>;
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
