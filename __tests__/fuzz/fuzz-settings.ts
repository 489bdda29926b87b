import fc from "fast-check";

const DEFAULT_SEED = 20_261_123;

function parseSeed(text: string | undefined): number {
  if (text === undefined || text.trim() === "") return DEFAULT_SEED;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new TypeError(`FUZZ_SEED must be an integer, got "${text}".`);
  // fast-check takes a 32-bit seed: fold larger ones instead of rejecting them.
  return seed | 0;
}

/** The seed of every property in the suite. `FUZZ_SEED=<n> npx jest __tests__/fuzz` reproduces a run. */
export const FUZZ_SEED = parseSeed(process.env["FUZZ_SEED"]);

/** Multiplies every property's run count: `FUZZ_SCALE=20` for a long local hunt. */
const SCALE = Math.max(Number(process.env["FUZZ_SCALE"] ?? "1") || 1, 0.01);

/** A property's run count, scaled by FUZZ_SCALE. */
export function runs(numRuns: number): number {
  return Math.max(1, Math.round(numRuns * SCALE));
}

/** Jest's per-test time limit for a property: generous, the suite's budget is the real bound. */
export const PROPERTY_TIMEOUT_MS = 60_000 * Math.max(1, SCALE);

/**
 * Runs a property (sync or async) with the suite's seed. fast-check's report already names
 * the seed, the shrink path and the counterexample; we add the command that replays it.
 */
export async function check<Ts>(property: fc.IRawProperty<Ts>, numRuns: number): Promise<void> {
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns: runs(numRuns) });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`[fuzz] FUZZ_SEED=${FUZZ_SEED} (replay: FUZZ_SEED=${FUZZ_SEED} npx jest __tests__/fuzz)\n${message}`, { cause: error });
  }
}
