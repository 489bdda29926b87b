import { WebhookError } from "../../errors.js";
import { TextDecoder } from "node:util";

const decoders = new Map<string, TextDecoder>();

export interface DecodeOptions {
  /**
   * Keep a leading U+FEFF. A BOM only means something at the start of a whole body; in a
   * form field it is text, and dropping it would change the value. @default false
   */
  keepBOM?: boolean;
}

function decoderFor(charset: string, keepBOM: boolean): TextDecoder {
  // WHATWG ignores a label's case and the ASCII whitespace around it. Keying the cache the
  // same way keeps it to one entry per label: keyed by the raw text, every padding a
  // sender invents (" utf-8", "  utf-8", ...) would add an entry for good.
  const label = charset.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").toLowerCase();
  const key = keepBOM ? `${label} keep-bom` : label;
  let decoder = decoders.get(key);
  if (!decoder) {
    try {
      // fatal: invalid bytes are a malformed body, not silently replaced text.
      decoder = new TextDecoder(label, { fatal: true, ignoreBOM: keepBOM });
    } catch {
      throw new WebhookError("unsupported_charset", `The charset "${charset.slice(0, 40)}" is not supported.`);
    }
    decoders.set(key, decoder);
  }
  return decoder;
}

/** The WHATWG name of a charset label ("latin1" → "windows-1252"); throws `unsupported_charset`. */
export function charsetName(charset = "utf-8"): string {
  return decoderFor(charset, false).encoding;
}

/** Decodes bytes in the given charset (WHATWG labels; utf-8 when unspecified). */
export function decodeText(bytes: Uint8Array, charset = "utf-8", { keepBOM = false }: DecodeOptions = {}): string {
  const decoder = decoderFor(charset, keepBOM);
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new WebhookError("malformed_body", `The body is not valid ${charset.slice(0, 40)} text.`, { cause });
  }
}
