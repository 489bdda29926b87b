export const TIMED_OUT = Symbol("timed out");

/**
 * Resolves with the promise's outcome, or with TIMED_OUT after `ms` (the promise runs on):
 * the one "race a promise against a timer" of the package. `unref`: the timer alone does
 * not keep the process alive (for waits nothing depends on; not for close()).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, { unref = true }: { unref?: boolean } = {}): Promise<T | typeof TIMED_OUT> {
  if (!Number.isFinite(ms)) return promise;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(resolve, ms, TIMED_OUT);
    if (unref) timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Waits for the promises to settle, or for `ms`, whichever comes first. True if they all did. */
export async function settleWithin(promises: readonly Promise<unknown>[], ms: number): Promise<boolean> {
  if (promises.length === 0) return true;
  const settled = await withTimeout(
    Promise.allSettled(promises).then(() => true),
    ms,
    { unref: false },
  );
  return settled === true;
}
