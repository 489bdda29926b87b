import type { MinimalJob } from "bullmq";
import { DELIVERY_BACKOFF, deliveryBackoffStrategy } from "../../lib/bullmq/delivery-backoff.js";

const job = (backoff: object) => ({ opts: { backoff } }) as unknown as MinimalJob;

describe("the delivery jobs' backoff", () => {
  test("the inbox's: doubling from delay, capped at maxDelay, plus 0–20 % jitter", () => {
    const strategy = deliveryBackoffStrategy(undefined);
    const delays = (attempts: number) =>
      Array.from(
        { length: 500 },
        () => strategy(attempts, DELIVERY_BACKOFF, new Error("x"), job({ type: DELIVERY_BACKOFF, delay: 100, maxDelay: 350 })) as number,
      );
    for (const [attempts, base] of [
      [1, 100],
      [2, 200],
      [3, 350],
      [10, 350],
    ] as const) {
      const all = delays(attempts);
      expect(Math.min(...all)).toBeGreaterThanOrEqual(base);
      expect(Math.max(...all)).toBeLessThanOrEqual(Math.round(base * 1.2));
      expect(Math.max(...all)).toBeGreaterThan(base); // jitter there is
    }
  });

  test("other types go to the user's strategy; without one, an error naming the type", () => {
    expect(deliveryBackoffStrategy(() => 42)(1, "mine", new Error("x"), job({ type: "mine" }))).toBe(42);
    expect(() => deliveryBackoffStrategy(undefined)(1, "mine", new Error("x"), job({ type: "mine" }))).toThrow(
      "Unknown backoff strategy mine: give it as settings.backoffStrategy.",
    );
  });
});
