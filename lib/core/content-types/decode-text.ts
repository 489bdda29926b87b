import { WebhookError } from "../errors.js";
import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder>();

function decoderFor(charset: string): TextDecoder {
  // WHATWG ignores a label's case and the ASCII whitespace around it. Keying the cache the
  // same way keeps it to one entry per label: keyed by the raw text, every padding a
  // sender invents (" utf-8", "  utf-8", ...) would add an entry for good.
  const label = charset.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
  let decoder = decoders.get(label);
  if (!decoder) {
    try {
      // fatal: invalid bytes are a malformed body, not silently replaced text.
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: false });
    } catch {
      throw new WebhookError("unsupported_charset", `The charset "${charset.slice(0, 40)}" is not supported.`);
    }
    decoders.set(label, decoder);
  }
  return decoder;
}

/** The WHATWG name of a charset label ("latin1" → "windows-1252"); throws `unsupported_charset`. */
export function charsetName(charset = "utf-8"): string {
  return decoderFor(charset).encoding;
}

/** Decodes bytes in the given charset (WHATWG labels; utf-8 when unspecified). */
export function decodeText(bytes: Uint8Array, charset = "utf-8"): string {
  const decoder = decoderFor(charset);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new WebhookError("malformed_body", `The body is not valid ${charset.slice(0, 40)} text.`, { cause });
  }
}
