import { WebhookError } from "../errors.js";
import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder>();

function decoderFor(charset: string): TextDecoder {
  let decoder = decoders.get(charset);
  if (!decoder) {
    try {
      // fatal: invalid bytes are a malformed body, not silently replaced text.
      decoder = new TextDecoder(charset, { fatal: true, ignoreBOM: false });
    } catch {
      throw new WebhookError("unsupported_charset", `The charset "${charset}" is not supported.`);
    }
    decoders.set(charset, decoder);
  }
  return decoder;
}

/** Decodes bytes in the given charset (WHATWG labels; utf-8 when unspecified). */
export function decodeText(bytes: Uint8Array, charset = "utf-8"): string {
  const decoder = decoderFor(charset.toLowerCase());
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new WebhookError("malformed_body", `The body is not valid ${charset} text.`, { cause });
  }
}
