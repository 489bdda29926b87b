import { WebhookError } from "../../errors.js";
import type { HeaderMap } from "../../types.js";
import type { ContentType } from "./content-type.js";
import { parseJson } from "./json.js";
import { parseMultipart, type MultipartLimits } from "./multipart.js";
import { expandFlatObject } from "./nested-keys.js";
import { stripUnsafeKeys } from "./safe-keys.js";
import { assertDepth, containerBudget, DEFAULT_MAX_DEPTH, type StructureLimits } from "./structure-limits.js";
import { parseUrlencoded } from "./urlencoded.js";

export type BodyFormat = "json" | "urlencoded" | "multipart";

export interface BodyParsing {
  /** The formats this provider sends. */
  formats: readonly BodyFormat[];
  /** Media types also parsed as JSON ("" = no Content-Type), for senders that mislabel. */
  jsonAliases: readonly string[];
  maxFields: number;
  multipart: MultipartLimits;
  /** Deepest nesting accepted in any format. */
  maxDepth: number;
}

/** Which of our formats a media type is, or undefined for one we do not read. */
export function formatOf(type: string, parsing: BodyParsing): BodyFormat | undefined {
  let format: BodyFormat | undefined;
  if (type === "application/json" || type.endsWith("+json") || parsing.jsonAliases.includes(type)) format = "json";
  else if (type === "application/x-www-form-urlencoded") format = "urlencoded";
  else if (type === "multipart/form-data") format = "multipart";
  return format && parsing.formats.includes(format) ? format : undefined;
}

export function unsupportedType(contentType: ContentType): WebhookError {
  const shown = contentType.type || "none";
  return new WebhookError("unsupported_media_type", `The content type "${shown.slice(0, 100)}" is not accepted here.`);
}

/** Parses raw body bytes in the given format. */
export async function parseRawBody(
  raw: Buffer,
  format: BodyFormat,
  contentType: ContentType,
  headers: HeaderMap,
  parsing: BodyParsing,
): Promise<unknown> {
  const charset = contentType.params.charset;
  // What the body may build is proportional to its own size.
  const structure: StructureLimits = { maxDepth: parsing.maxDepth, maxContainers: containerBudget(raw.length) };
  switch (format) {
    case "json":
      return parseJson(raw, charset, structure);
    case "urlencoded":
      return parseUrlencoded(raw, { charset, maxFields: parsing.maxFields }, structure);
    case "multipart":
      return parseMultipart(raw, headers, parsing.multipart, charset, structure);
  }
}

/**
 * Takes a body another middleware already parsed (a global `express.json()` or
 * `express.urlencoded()`), bringing it to the shape our own parsers give.
 */
export function adoptParsedBody(body: unknown, format: BodyFormat, maxDepth: number = DEFAULT_MAX_DEPTH): unknown {
  // `null` (express.json({ strict: false }) of "null") or a primitive is no form: the envelope check refuses it.
  if (typeof body !== "object" || body === null) return body;
  // Its memory is spent already, but nothing deeper than maxDepth may reach a store's JSON.stringify.
  if (format === "json") {
    assertDepth(body, maxDepth);
    stripUnsafeKeys(body);
    return body;
  }
  // `extended: false` leaves "a[b]" keys flat; `extended: true` (qs) has nested them already,
  // and nested values are not re-expanded, so their keys are cleaned here.
  const expanded = expandFlatObject(body as Record<string, unknown>, { maxDepth, maxContainers: Number.POSITIVE_INFINITY });
  assertDepth(expanded, maxDepth);
  stripUnsafeKeys(expanded);
  return expanded;
}
