import type { SampleContentType } from "./encode.js";
import { encodeMultipart, encodeUrlencoded, toFormFields } from "./encode.js";

/**
 * A complete request as the provider would send it. It is also a valid argument to
 * `receiver.receive()`; with supertest: `request(app).post(path).set(d.headers).send(d.body)`.
 */
export interface Delivery<P = unknown> {
  readonly method: "POST";
  readonly headers: Record<string, string>;
  readonly body: string | Buffer;
  /** The payload before encoding. */
  readonly payload: P;
}

/** Encodes a payload in the given content type (JSON as is; forms as Rails-style fields). */
export function encodeBody(payload: unknown, contentType: SampleContentType): { body: string | Buffer; contentType: string } {
  switch (contentType) {
    case "application/json":
    case "application/vnd.api+json":
      return { body: JSON.stringify(payload), contentType };
    case "application/x-www-form-urlencoded":
      return { body: encodeUrlencoded(toFormFields(payload)), contentType };
    case "multipart/form-data":
      return encodeMultipart(toFormFields(payload));
  }
}

/** Assembles a delivery from a payload, its encoding and the provider's headers. */
export function makeDelivery<P>(
  payload: P,
  contentType: SampleContentType,
  headers: Record<string, string>,
  encoded = encodeBody(payload, contentType),
): Delivery<P> {
  return {
    method: "POST",
    headers: { ...headers, "content-type": encoded.contentType },
    body: encoded.body,
    payload,
  };
}
