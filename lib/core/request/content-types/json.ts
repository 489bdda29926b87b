import { WebhookError } from "../../errors.js";
import { decodeText } from "./decode-text.js";
import { assertJsonStructure } from "./json-structure.js";
import { stripUnsafeKeys } from "./safe-keys.js";
import { DEFAULT_STRUCTURE_LIMITS, type StructureLimits } from "./structure-limits.js";

// A "\u" escape can spell any key ("\u005f_proto__"), so it always means a walk.
// A key as written, or any \u escape of "_" (5F) or a lower-case letter (6x, 7x): the only
// characters the three keys are made of. Matching every "\u" would walk the whole tree
// of any body with escaped non-ASCII text (Rails, Python), and scan at a third the speed.
const SUSPICIOUS = /"(?:__proto__|constructor|prototype)"\s*:|\\u00(?:5[fF]|[67][0-9a-fA-F])/;

/** Parses a JSON body within `structure`'s depth and container limits; prototype keys are removed. */
export function parseJson(bytes: Uint8Array, charset?: string, structure: StructureLimits = DEFAULT_STRUCTURE_LIMITS): unknown {
  const text = decodeText(bytes, charset);
  assertJsonStructure(text, structure);
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
