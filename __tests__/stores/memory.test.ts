import { MemoryStore } from "../../lib/stores/memory.js";
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

  test("maxEntries must be a positive integer", () => {
    expect(() => new MemoryStore({ maxEntries: 0 })).toThrow(TypeError);
    expect(() => new MemoryStore({ maxEntries: 1.5 })).toThrow(/maxEntries/);
    expect(() => new MemoryStore({ maxEntries: 1 })).not.toThrow();
  });
});
