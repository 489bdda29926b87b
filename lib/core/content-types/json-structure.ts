import { tooDeep, tooManyContainers, type StructureLimits } from "./structure-limits.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuses JSON text nesting deeper than `maxDepth` (`body_too_deep`) or holding more than
 * `maxContainers` objects and arrays (`body_too_large`), before `JSON.parse` builds any of
 * them: V8 parses 1 MiB of `[[[[…` into a million arrays (~50 MB) without complaint,
 * and `JSON.stringify` of anything deeper than a few thousand levels throws. One linear
 * pass, no recursion; strings are skipped with `indexOf` (most of a real body's bytes),
 * so this costs a fraction of the parse (~0.7 µs per KB of a Misskey note). Invalid JSON
 * is left to `JSON.parse` to refuse.
 */
export function assertJsonStructure(text: string, { maxDepth, maxContainers }: StructureLimits): void {
  let depth = 0;
  let containers = 0;
  const { length } = text;
  for (let i = 0; i < length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      // To the closing quote: the first one not escaped by an odd run of backslashes.
      for (;;) {
        const close = text.indexOf('"', i + 1);
        if (close === -1) return;
        let slash = close - 1;
        while (text.charCodeAt(slash) === BACKSLASH) slash--;
        i = close;
        if ((close - 1 - slash) % 2 === 0) break;
      }
    } else if (code === 0x5b || code === 0x7b) {
      if (++depth > maxDepth) throw tooDeep(maxDepth);
      if (++containers > maxContainers) throw tooManyContainers(maxContainers);
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    }
  }
}
