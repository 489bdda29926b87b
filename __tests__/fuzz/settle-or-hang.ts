/** What a promise came to: its value, its rejection, or nothing within the time given. */
export type Outcome<T> = { kind: "resolved"; value: T } | { kind: "rejected"; error: unknown } | { kind: "hung" };

/** Waits for a promise at most `ms`, so a hang fails the property (with its seed) instead of Jest's timeout. */
export async function settleOrHang<T>(promise: Promise<T>, ms = 2000): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<Outcome<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hung" }), ms);
  });
  const settled = promise.then(
    (value): Outcome<T> => ({ kind: "resolved", value }),
    (error: unknown): Outcome<T> => ({ kind: "rejected", error }),
  );
  try {
    return await Promise.race([settled, hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** The `code` of a rejection, or a description of why it has none. */
export function codeOf(outcome: Outcome<unknown>): string {
  if (outcome.kind !== "rejected") return outcome.kind;
  const { error } = outcome;
  if (typeof error === "object" && error !== null && "code" in error && typeof error.code === "string") return error.code;
  return `non-WebhookError: ${String(error)}`;
}
