import { WebhookError } from "../../errors.js";
import { getHeader } from "../headers.js";
import type { HeaderMap } from "../../types.js";

/**
 * Refuses (415 `unsupported_encoding`) a body sent with any `Content-Encoding` but
 * `identity`, whatever its bytes really are. No provider here compresses its requests,
 * so nothing is ever inflated: no decompression bomb, and no compressed body read as if
 * it were plain. The header is a list (RFC 9110 §8.4): "gzip, identity" is still gzip;
 * empty list elements (and an empty header) name no coding.
 */
export function assertIdentityEncoding(headers: HeaderMap): void {
  const header = getHeader(headers, "content-encoding");
  if (header === undefined) return;
  for (const coding of header.split(",")) {
    const name = coding.trim().toLowerCase();
    if (name !== "" && name !== "identity") {
      throw new WebhookError(
        "unsupported_encoding",
        `The content encoding "${name.slice(0, 40)}" is not accepted: send the body uncompressed.`,
      );
    }
  }
}
