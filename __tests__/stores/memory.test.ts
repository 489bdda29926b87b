import fc from "fast-check";
import { entryBytes, MemoryStore } from "../../lib/stores/memory.js";
import { isDedupeStore } from "../../lib/stores/types.js";

function clock(start = 1_000_000) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

describe("MemoryStore", () => {
  test("is a DedupeStore", () => {
    expect(isDedupeStore(new MemoryStore())).toBe(true);
    expect(isDedupeStore({ get() {}, set() {} })).toBe(false);
    expect(isDedupeStore(null)).toBe(false);
  });

  test("set then get", async () => {
    const store = new MemoryStore();
    await expect(store.set("k", "v", { ttlMs: 1000 })).resolves.toBe(true);
    await expect(store.get("k")).resolves.toBe("v");
    await expect(store.get("other")).resolves.toBeUndefined();
  });

  test("a key expires after its TTL (injected clock)", async () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    await store.set("k", "v", { ttlMs: 1000 });
    time.advance(999);
    await expect(store.get("k")).resolves.toBe("v");
    time.advance(1);
    await expect(store.get("k")).resolves.toBeUndefined();
    expect(store.size).toBe(0);
  });

  test("each key has its own TTL; setting again renews it", async () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    await store.set("short", "1", { ttlMs: 100 });
    await store.set("long", "2", { ttlMs: 10_000 });
    time.advance(90);
    await store.set("short", "1b", { ttlMs: 100 });
    time.advance(50);
    await expect(store.get("short")).resolves.toBe("1b");
    time.advance(100);
    await expect(store.get("short")).resolves.toBeUndefined();
    await expect(store.get("long")).resolves.toBe("2");
  });

  test("onlyIfAbsent stores only when the key is not there", async () => {
    const store = new MemoryStore();
    await expect(store.set("k", "first", { ttlMs: 1000, onlyIfAbsent: true })).resolves.toBe(true);
    await expect(store.set("k", "second", { ttlMs: 1000, onlyIfAbsent: true })).resolves.toBe(false);
    await expect(store.get("k")).resolves.toBe("first");
    await expect(store.set("k", "third", { ttlMs: 1000 })).resolves.toBe(true);
    await expect(store.get("k")).resolves.toBe("third");
  });

  test("onlyIfAbsent treats an expired key as absent", async () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    await store.set("k", "old", { ttlMs: 10, onlyIfAbsent: true });
    time.advance(10);
    await expect(store.set("k", "new", { ttlMs: 10, onlyIfAbsent: true })).resolves.toBe(true);
    await expect(store.get("k")).resolves.toBe("new");
  });

  test("concurrent onlyIfAbsent claims: exactly one wins", async () => {
    const store = new MemoryStore();
    const results = await Promise.all(Array.from({ length: 10 }, () => store.set("k", "v", { ttlMs: 1000, onlyIfAbsent: true })));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test("delete removes a key; deleting a missing key is fine", async () => {
    const store = new MemoryStore();
    await store.set("k", "v", { ttlMs: 1000 });
    await store.delete("k");
    await expect(store.get("k")).resolves.toBeUndefined();
    await expect(store.delete("never")).resolves.toBeUndefined();
    await expect(store.set("k", "again", { ttlMs: 1000, onlyIfAbsent: true })).resolves.toBe(true);
  });

  test("maxEntries evicts the oldest first", async () => {
    const store = new MemoryStore({ maxEntries: 3 });
    for (const key of ["a", "b", "c", "d"]) await store.set(key, key, { ttlMs: 1000 });
    expect(store.size).toBe(3);
    await expect(store.get("a")).resolves.toBeUndefined();
    await expect(store.get("b")).resolves.toBe("b");
    await expect(store.get("d")).resolves.toBe("d");
  });

  test("setting a key again makes it the newest", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.set("a", "1", { ttlMs: 1000 });
    await store.set("b", "1", { ttlMs: 1000 });
    await store.set("a", "2", { ttlMs: 1000 });
    await store.set("c", "1", { ttlMs: 1000 });
    await expect(store.get("a")).resolves.toBe("2");
    await expect(store.get("b")).resolves.toBeUndefined();
    await expect(store.get("c")).resolves.toBe("1");
  });

  test("a refused onlyIfAbsent does not count as a write", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    await store.set("a", "1", { ttlMs: 1000 });
    await store.set("b", "1", { ttlMs: 1000 });
    await store.set("a", "x", { ttlMs: 1000, onlyIfAbsent: true });
    await store.set("c", "1", { ttlMs: 1000 });
    await expect(store.get("a")).resolves.toBeUndefined();
    await expect(store.get("b")).resolves.toBe("1");
  });

  test("maxBytes evicts the oldest first, counting 2 bytes per character plus the per-entry overhead", async () => {
    const one = entryBytes("k0", "x".repeat(100));
    const store = new MemoryStore({ maxBytes: 3 * one });
    for (let i = 0; i < 4; i++) await store.set(`k${i}`, "x".repeat(100), { ttlMs: 1000 });
    expect(store.size).toBe(3);
    expect(store.bytes).toBe(3 * one);
    await expect(store.get("k0")).resolves.toBeUndefined();
    await expect(store.get("k3")).resolves.toBe("x".repeat(100));
    // One long value makes room for itself by evicting as many as it takes.
    await store.set("big", "y".repeat(250), { ttlMs: 1000 });
    expect(store.bytes).toBeLessThanOrEqual(3 * one);
    await expect(store.get("big")).resolves.toBe("y".repeat(250));
    expect(store.evictions).toBe(3);
    expect(entryBytes("k", "v")).toBe(2 * 2 + 256);
  });

  test("bytes follow overwrites, deletes and expiries; an entry larger than maxBytes is refused", async () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now, maxBytes: 10_000 });
    await store.set("a", "processing", { ttlMs: 100 });
    await store.set("a", "done", { ttlMs: 100 });
    expect(store.bytes).toBe(entryBytes("a", "done"));
    await store.set("b", "v", { ttlMs: 50 });
    await store.delete("a");
    expect(store.bytes).toBe(entryBytes("b", "v"));
    time.advance(50);
    await expect(store.get("b")).resolves.toBeUndefined();
    expect(store.bytes).toBe(0);
    await expect(store.set("huge", "z".repeat(10_000), { ttlMs: 100 })).rejects.toThrow(RangeError);
    expect(store.size).toBe(0);
  });

  test("evictions counts entries pushed out before their TTL, not expired or deleted ones", async () => {
    const time = clock();
    const store = new MemoryStore({ maxEntries: 2, now: time.now });
    await store.set("short", "1", { ttlMs: 10 });
    await store.set("long", "1", { ttlMs: 1000 });
    time.advance(10);
    await store.set("c", "1", { ttlMs: 1000 }); // "short" leaves, but it had expired
    expect(store.evictions).toBe(0);
    await store.set("d", "1", { ttlMs: 1000 }); // "long" leaves early
    expect(store.evictions).toBe(1);
    await store.delete("c");
    expect(store.evictions).toBe(1);
  });

  test("deleteIf and renew act only on the value given", async () => {
    const time = clock();
    const store = new MemoryStore({ now: time.now });
    await store.set("k", "mine", { ttlMs: 100 });
    await expect(store.deleteIf("k", "theirs")).resolves.toBe(false);
    await expect(store.renew("k", "theirs", 1000)).resolves.toBe(false);
    await expect(store.renew("k", "mine", 1000)).resolves.toBe(true);
    time.advance(500);
    await expect(store.get("k")).resolves.toBe("mine");
    await expect(store.deleteIf("k", "mine")).resolves.toBe(true);
    await expect(store.get("k")).resolves.toBeUndefined();
    await expect(store.renew("k", "mine", 1000)).resolves.toBe(false);
  });

  test("maxBytes must be a positive integer", () => {
    expect(() => new MemoryStore({ maxBytes: 0 })).toThrow(/maxBytes/);
    expect(() => new MemoryStore({ maxBytes: 1.5 })).toThrow(/maxBytes/);
  });

  test("maxEntries must be a positive integer", () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new MemoryStore({ maxEntries: 1.5 })).toThrow(/maxEntries/);
    expect(() => new MemoryStore({ maxEntries: 1 })).not.toThrow();
  });

  // The store keeps its write order beside the Map and compacts it now and then; this
  // checks it against the plain model (a Map re-inserted on every write, oldest first)
  // over long runs of writes, re-writes, deletes and expiries, across many compactions.
  test("behaves like the plain least-recently-written model over long random runs", async () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant("set" as const),
        key: fc.integer({ min: 0, max: 40 }),
        ttl: fc.integer({ min: 1, max: 50 }),
        nx: fc.boolean(),
      }),
      fc.record({ kind: fc.constant("delete" as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant("get" as const), key: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant("tick" as const), ms: fc.integer({ min: 1, max: 20 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.array(op, { minLength: 200, maxLength: 3000 }), async (maxEntries, ops) => {
        const time = clock();
        const store = new MemoryStore({ maxEntries, now: time.now });
        const model = new Map<string, { value: string; expiresAt: number }>();
        const live = (key: string) => {
          const entry = model.get(key);
          if (entry && entry.expiresAt <= time.now()) model.delete(key);
          return model.get(key)?.value;
        };
        let n = 0;
        for (const step of ops) {
          if (step.kind === "tick") time.advance(step.ms);
          else if (step.kind === "delete") {
            model.delete(String(step.key));
            await store.delete(String(step.key));
          } else if (step.kind === "get") {
            expect(await store.get(String(step.key))).toBe(live(String(step.key)));
          } else {
            const key = String(step.key);
            const value = `v${n++}`;
            const expected = !(step.nx && live(key) !== undefined);
            if (expected) {
              model.delete(key);
              model.set(key, { value, expiresAt: time.now() + step.ttl });
              while (model.size > maxEntries) model.delete(model.keys().next().value!);
            }
            expect(await store.set(key, value, { ttlMs: step.ttl, onlyIfAbsent: step.nx })).toBe(expected);
          }
        }
        for (let key = 0; key <= 40; key++) expect(await store.get(String(key))).toBe(live(String(key)));
        // Every expired key read away: what is counted is exactly what is left.
        let bytes = 0;
        for (const [key, entry] of model) if (entry.expiresAt > time.now()) bytes += entryBytes(key, entry.value);
        expect(store.bytes).toBe(bytes);
      }),
      { numRuns: 60, seed: Number(process.env.FUZZ_SEED ?? 20261123) },
    );
  });

  test("stays correct through compactions of a long write queue (one key written 5,000 times)", async () => {
    const store = new MemoryStore({ maxEntries: 2 });
    for (let i = 0; i < 5000; i++) await store.set("hot", String(i), { ttlMs: 1000 });
    await store.set("a", "a", { ttlMs: 1000 });
    await store.set("b", "b", { ttlMs: 1000 });
    // "hot" was written before "a" and "b": it is the oldest, whatever its 4,999 stale slots.
    await expect(store.get("hot")).resolves.toBeUndefined();
    await expect(store.get("a")).resolves.toBe("a");
    expect(store.size).toBe(2);
  });
});
