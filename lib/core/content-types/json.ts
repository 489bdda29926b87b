import { WebhookError } from "../errors.js";
import { decodeText } from "./decode-text.js";
import { stripUnsafeKeys } from "./safe-keys.js";

// A "\u" escape can spell any key ("\u005f_proto__"), so it always means a walk.
const SUSPICIOUS = /"(?:__proto__|constructor|prototype)"\s*:|\\u/;

/** Parses a JSON body; prototype keys are removed. */
export function parseJson(bytes: Uint8Array, charset?: string): unknown {
  const text = decodeText(bytes, charset);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new WebhookError("malformed_body", "The body is not valid JSON.", { cause });
  }
  // Only walk the tree when the text could hold such a key: most bodies never do.
  if (SUSPICIOUS.test(text)) stripUnsafeKeys(value);
  return value;
}
