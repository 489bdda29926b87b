import type { ContentType } from "./content-types/content-type.js";
import { assertIdentityEncoding } from "./content-types/content-encoding.js";
import { adoptParsedBody, parseRawBody, type BodyFormat, type BodyParsing } from "./content-types/parse-body.js";
import { WebhookError } from "../errors.js";
import { getHeader } from "./headers.js";
import { readBody } from "./read-body.js";
import type { WebhookRequest } from "../types.js";

/**
 * The body's raw bytes, from the stream (read here, bounded) or from what the
 * caller handed over; undefined when another middleware already parsed it into an object.
 */
export async function rawBodyOf(request: WebhookRequest, limit: number, timeoutMs?: number): Promise<Buffer | undefined> {
  // Before a byte is read; a body another middleware already inflated is refused too.
  assertIdentityEncoding(request.headers);
  const { body } = request;
  let raw: Buffer | undefined;
  if (body === undefined) {
    if (request.stream) return readBody(request.stream, { limit, timeoutMs, declaredLength: getHeader(request.headers, "content-length") });
    raw = Buffer.alloc(0);
  } else if (typeof body === "string") {
    raw = Buffer.from(body, "utf8");
  } else if (body instanceof Uint8Array) {
    raw = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else {
    return undefined;
  }
  if (raw.length > limit) throw new WebhookError("body_too_large", `The request body is larger than the limit of ${limit} bytes.`);
  return raw;
}

/** Parses the body in its format; a pre-parsed object is adopted as it is. */
export async function parseBody(
  request: WebhookRequest,
  raw: Buffer | undefined,
  format: BodyFormat,
  contentType: ContentType,
  parsing: BodyParsing,
): Promise<unknown> {
  if (raw === undefined) return adoptParsedBody(request.body, format, parsing.maxDepth);
  if (raw.length === 0) throw new WebhookError("malformed_body", "The request body is empty.");
  // A string body was decoded by whoever read it; we re-encoded it as UTF-8 above.
  const effective =
    typeof request.body === "string" ? { ...contentType, params: { ...contentType.params, charset: "utf-8" } } : contentType;
  return parseRawBody(raw, format, effective, request.headers, parsing);
}
