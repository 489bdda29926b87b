import { tooDeep, tooManyContainers, type StructureLimits } from "./structure-limits.js";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** What a value after a comma costs, in quarters of an object: V8's parse holds ~16 bytes for it. */
const VALUE_COST = 1;
const CONTAINER_COST = 4;

/**
 * Refuses JSON text nesting deeper than `maxDepth` (`body_too_deep`) or building more
 * than `maxContainers` objects and arrays (`body_too_large`; four values count as one),
 * before `JSON.parse` builds any of them: V8 parses 1 MiB of `[[[[…` into a million
 * arrays (~50 MB) without complaint, `[0,0,0,…]` into 9 MB, and `JSON.stringify` of
 * anything deeper than a few thousand levels throws. One linear
 * pass, no recursion; strings are skipped with `indexOf` (most of a real body's bytes),
 * so this costs a fraction of the parse (BENCHMARKS.md). Invalid JSON
 * is left to `JSON.parse` to refuse.
 */
export function assertJsonStructure(text: string, { maxDepth, maxContainers }: StructureLimits): void {
  let depth = 0;
  let cost = 0;
  const budget = maxContainers * CONTAINER_COST;
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
      cost += CONTAINER_COST;
      if (cost > budget) throw tooManyContainers(maxContainers);
    } else if (code === 0x5d || code === 0x7d) {
      depth--;
    } else if (code === 0x2c) {
      cost += VALUE_COST;
      if (cost > budget) throw tooManyContainers(maxContainers);
    }
  }
}
