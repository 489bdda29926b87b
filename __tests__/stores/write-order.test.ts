import { WriteOrder, type Slot } from "../../lib/stores/write-order.js";

describe("WriteOrder", () => {
  test("slots come out oldest first", () => {
    const order = new WriteOrder();
    order.push({ key: "a", write: 1 });
    order.push({ key: "b", write: 2 });
    expect(order.shift()).toEqual({ key: "a", write: 1 });
    expect(order.shift()).toEqual({ key: "b", write: 2 });
    expect(order.shift()).toBeUndefined();
  });

  // The leak this guards against: taken slots were never dropped while live keys stayed
  // under half the queue, so a store at its size limit grew its queue by a slot a write.
  test("stays within twice the live keys however many writes go through (taken slots included)", () => {
    const order = new WriteOrder();
    const live = new Map<string, number>();
    const isCurrent = (slot: Slot) => live.get(slot.key) === slot.write;
    for (let write = 1; write <= 100_000; write++) {
      const key = `k${write}`;
      live.set(key, write);
      order.push({ key, write });
      // A store of 2,000 keys at its limit: the oldest goes with every write.
      if (live.size > 2000) {
        const oldest = order.shift()!;
        live.delete(oldest.key);
      }
      order.compact(live.size, isCurrent);
      expect(order.length).toBeLessThanOrEqual(2 * 2000 + 1);
    }
  });

  test("compaction keeps the current slots, in order, and drops stale ones", () => {
    const order = new WriteOrder();
    const live = new Map<string, number>();
    for (let write = 1; write <= 3000; write++) {
      const key = `k${write % 10}`;
      live.set(key, write);
      order.push({ key, write });
    }
    order.compact(live.size, (slot) => live.get(slot.key) === slot.write);
    expect(order.length).toBe(10);
    const keys: string[] = [];
    for (let slot = order.shift(); slot !== undefined; slot = order.shift()) keys.push(slot.key);
    expect(keys).toEqual(["k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k0"]);
  });
});
