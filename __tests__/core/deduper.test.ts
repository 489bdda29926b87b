import { createDeduper } from "../../lib/core/delivery/create-deduper.js";
import { MAX_ID_LENGTH } from "../../lib/core/delivery/deduper.js";
import type { WebhookError } from "../../lib/core/errors.js";
import type { WebhookResponse } from "../../lib/core/types.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { dedupeEvictions } from "../../lib/stores/dedupe-evictions.js";
import { MemoryStore } from "../../lib/stores/memory.js";
import type { DedupeStore } from "../../lib/stores/types.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";

const DAY = 24 * 60 * 60 * 1000;

describe("Deduper over the in-memory store", () => {
  test("claim, complete and release write the moment they are called (before any other request can run)", async () => {
    const deduper = createDeduper(new MemoryStore(), "test", DAY, () => {});
    expect(deduper.peek("a")).toBe("new");
    const claim = deduper.claim("a");
    expect(deduper.peek("a")).toBe("processing");
    await expect(claim).resolves.toBe("new");
    await expect(deduper.claim("a")).resolves.toBe("processing");
    void deduper.complete("a");
    expect(deduper.peek("a")).toBe("done");
    await expect(deduper.claim("a")).resolves.toBe("done");
    await expect(deduper.claim("b")).resolves.toBe("new");
    void deduper.release("b");
    expect(deduper.peek("b")).toBe("new");
    await expect(deduper.claim("b")).resolves.toBe("new");
  });

  test("keys are per provider", async () => {
    const store = new MemoryStore();
    const one = createDeduper(store, "one", DAY, () => {});
    const two = createDeduper(store, "two", DAY, () => {});
    await expect(one.claim("x")).resolves.toBe("new");
    await expect(two.claim("x")).resolves.toBe("new");
  });

  test("a claim that expired is claimed again", async () => {
    let now = 1_000_000;
    const deduper = createDeduper(new MemoryStore({ now: () => now }), "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    now += 10 * 60 * 1000;
    await expect(deduper.claim("a")).resolves.toBe("new");
  });
});

describe("Deduper over any other store", () => {
  test("a MemoryStore subclass is used through its (overridden) async methods", async () => {
    const writes: string[] = [];
    class Audited extends MemoryStore {
      override async set(key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
        writes.push(`${key}=${value}`);
        return super.set(key, value, options);
      }
    }
    const deduper = createDeduper(new Audited(), "test", DAY, () => {});
    // Through the store's own async methods: the synchronous peek is not available.
    expect(deduper.peek("a")).toBeUndefined();
    await expect(deduper.claim("a")).resolves.toBe("new");
    await deduper.complete("a");
    // The claim is a token of this attempt's own, so that it only ever releases its own.
    expect(writes).toEqual([expect.stringMatching(/^ewr:dedupe:test:a=processing:[\w-]{16}$/), "ewr:dedupe:test:a=done"]);
  });

  test("a failing store: claim rejects with store_unavailable; complete and release only report", async () => {
    const reported: WebhookError[] = [];
    let failing = true;
    const memory = new MemoryStore();
    const broken = {
      get: (key: string) => (failing ? Promise.reject(new Error("down")) : memory.get(key)),
      set: (key: string, value: string, options: { ttlMs: number; onlyIfAbsent?: boolean }) =>
        failing ? Promise.reject(new Error("down")) : memory.set(key, value, options),
      delete: (key: string) => (failing ? Promise.reject(new Error("down")) : memory.delete(key)),
    };
    const deduper = createDeduper(broken, "test", DAY, (error) => reported.push(error));
    await expect(deduper.claim("a")).rejects.toMatchObject({ code: "store_unavailable" });
    await expect(deduper.complete("a")).resolves.toBeUndefined();
    // Claimed while the store works, released while it fails: reported, not thrown.
    failing = false;
    await expect(deduper.claim("b")).resolves.toBe("new");
    failing = true;
    await expect(deduper.release("b")).resolves.toBeUndefined();
    expect(reported.map((error) => error.code)).toEqual(["store_unavailable", "store_unavailable"]);
  });
});

describe("deliveries dispatched on a peek (in-memory dedupe, listeners that return at once)", () => {
  const secret = "peek-secret";
  // A body already parsed: the whole pipeline then runs without waiting, listener included.
  const parsed = (d: { headers: Record<string, string>; body: string | Buffer }) => ({
    method: "POST",
    headers: d.headers,
    body: JSON.parse(d.body.toString()) as object,
  });

  // The pipeline is plainly async, so the repeat reaches dedupe only after the first
  // delivery is done: it is a duplicate (before, it arrived mid-dispatch: 503 in progress).
  test("a listener handing the same delivery back at once finds it taken, and runs once", async () => {
    const misskey = createMisskeyReceiver({ secret });
    const d = misskeyDelivery("note", { secret });
    let inner: Promise<WebhookResponse> | undefined;
    let calls = 0;
    misskey.on("note", () => {
      calls++;
      inner ??= misskey.receive(parsed(d));
    });
    expect((await misskey.receive(parsed(d))).status).toBe(200);
    expect((await inner!).body).toBe('{"ok":true,"duplicate":true}');
    expect(calls).toBe(1);
    expect((await misskey.receive(parsed(d))).body).toBe('{"ok":true,"duplicate":true}');
  });

  test("a listener that returns a promise: the claim is written before it settles, so a resend meanwhile waits", async () => {
    const misskey = createMisskeyReceiver({ secret });
    const d = misskeyDelivery("note", { secret });
    let release: () => void = () => {};
    let calls = 0;
    misskey.on("note", () => {
      calls++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const first = misskey.receive(parsed(d));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await misskey.receive(parsed(d))).body).toContain("delivery_in_progress");
    release();
    expect((await first).status).toBe(200);
    expect((await misskey.receive(parsed(d))).body).toBe('{"ok":true,"duplicate":true}');
    expect(calls).toBe(1);
  });

  test("a listener that throws at once: nothing is recorded, the resend is dispatched again", async () => {
    const misskey = createMisskeyReceiver({ secret });
    misskey.onError(() => {});
    const d = misskeyDelivery("note", { secret });
    let calls = 0;
    misskey.on("note", () => {
      calls++;
      if (calls === 1) throw new Error("first time");
    });
    expect((await misskey.receive(parsed(d))).status).toBe(500);
    expect((await misskey.receive(parsed(d))).status).toBe(200);
    expect(calls).toBe(2);
  });
});

/** A store over a MemoryStore (so the Deduper takes its async path), with faults to switch on. */
function faultyStore(options: { now?: () => number; atomic?: boolean; renew?: boolean } = {}) {
  const memory = new MemoryStore({ now: options.now });
  const faults = { down: false, replyLost: false, releaseFails: false };
  const fail = () => Promise.reject(new Error("no reply"));
  const store: DedupeStore = {
    get: (key) => (faults.down ? fail() : memory.get(key)),
    set: async (key, value, opts) => {
      if (faults.down) return fail();
      // Written, but the answer never comes back (a dropped connection, a stalled server).
      const stored = await memory.set(key, value, opts);
      return faults.replyLost ? fail() : stored;
    },
    delete: (key) => (faults.down ? fail() : memory.delete(key)),
  };
  if (options.atomic !== false)
    store.deleteIf = (key, value) => (faults.down || faults.releaseFails ? fail() : memory.deleteIf(key, value));
  if (options.renew) store.renew = (key, value, ttlMs) => (faults.down ? fail() : memory.renew(key, value, ttlMs));
  return { store, memory, faults };
}

const KEY = "ewr:dedupe:test:a";

describe("Deduper claims are the attempt's own (any store but the in-memory fast path)", () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test("a claim written but unanswered (503) is released by its token once the store answers again", async () => {
    const { store, memory, faults } = faultyStore();
    const deduper = createDeduper(store, "test", DAY, () => {}, { retryReleaseMs: 20 });
    faults.replyLost = true;
    faults.releaseFails = true;
    await expect(deduper.claim("a")).rejects.toMatchObject({ code: "store_unavailable" });
    // The release tried right away failed too: the claim is there, nobody's.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await memory.get(KEY)).toMatch(/^processing:/);
    faults.releaseFails = false;
    faults.replyLost = false;
    await waitFor(async () => (await memory.get(KEY)) === undefined);
    await expect(deduper.claim("a")).resolves.toBe("new");
  });

  test("a release never removes another attempt's claim", async () => {
    const { store, memory } = faultyStore();
    const deduper = createDeduper(store, "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    // Ours lapsed, another instance claimed the delivery.
    await memory.set(KEY, "processing:someone-else", { ttlMs: DAY });
    await deduper.release("a");
    expect(await memory.get(KEY)).toBe("processing:someone-else");
  });

  test("without deleteIf: the release reads, compares and deletes, still only its own claim", async () => {
    const { store, memory } = faultyStore({ atomic: false });
    const deduper = createDeduper(store, "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    await deduper.release("a");
    expect(await memory.get(KEY)).toBeUndefined();
    await expect(deduper.claim("a")).resolves.toBe("new");
    await memory.set(KEY, "processing:someone-else", { ttlMs: DAY });
    await deduper.release("a");
    expect(await memory.get(KEY)).toBe("processing:someone-else");
  });

  test("a second attempt in the same process while the first runs waits, without a store call", async () => {
    const { store, faults } = faultyStore();
    const deduper = createDeduper(store, "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    faults.down = true;
    await expect(deduper.claim("a")).resolves.toBe("processing");
  });

  test('"done" is written whoever holds the claim: the listeners succeeded', async () => {
    const { store, memory } = faultyStore();
    const deduper = createDeduper(store, "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    await memory.set(KEY, "processing:someone-else", { ttlMs: DAY });
    await deduper.complete("a");
    expect(await memory.get(KEY)).toBe("done");
  });

  test("with renew: claims are 30 s leases, renewed while listeners run, so a claim nobody runs is gone in 30 s", async () => {
    jest.useFakeTimers();
    const { store, memory, faults } = faultyStore({ now: () => Date.now(), renew: true });
    const running = createDeduper(store, "test", DAY, () => {});
    await expect(running.claim("a")).resolves.toBe("new");
    await jest.advanceTimersByTimeAsync(5 * 60_000);
    // Renewed every 10 s: five minutes on, still held.
    expect(await memory.get(KEY)).toMatch(/^processing:/);
    await running.complete("a");
    expect(await memory.get(KEY)).toBe("done");

    // A claim that landed but whose release cannot reach the store: its lease runs out.
    const other = createDeduper(store, "test", DAY, () => {}, { retryReleaseMs: 60 * 60_000 });
    faults.replyLost = true;
    faults.releaseFails = true;
    await expect(other.claim("b")).rejects.toMatchObject({ code: "store_unavailable" });
    faults.replyLost = false;
    expect(await memory.get("ewr:dedupe:test:b")).toMatch(/^processing:/);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(await memory.get("ewr:dedupe:test:b")).toBeUndefined();
  });

  test("a lease that lapsed while the store was away is taken again by the listeners still running, unless someone else has it", async () => {
    jest.useFakeTimers();
    const reported: WebhookError[] = [];
    const { store, memory, faults } = faultyStore({ now: () => Date.now(), renew: true });
    const running = createDeduper(store, "test", DAY, (error) => reported.push(error));
    await expect(running.claim("a")).resolves.toBe("new");
    await expect(running.claim("b")).resolves.toBe("new");
    faults.down = true;
    await jest.advanceTimersByTimeAsync(60_000);
    expect(await memory.get(KEY)).toBeUndefined();
    expect(reported.map((error) => error.message)).toContain("The dedupe claim could not be renewed.");
    // Back: another attempt took "b" meanwhile; "a" is free.
    faults.down = false;
    await memory.set("ewr:dedupe:test:b", "processing:someone-else", { ttlMs: DAY });
    await jest.advanceTimersByTimeAsync(10_000);
    expect(await memory.get(KEY)).toMatch(/^processing:/);
    expect(await memory.get("ewr:dedupe:test:b")).toBe("processing:someone-else");
    // A resend now waits for the listeners still running, as before the outage.
    const elsewhere = createDeduper(store, "test", DAY, () => {});
    await expect(elsewhere.claim("a")).resolves.toBe("processing");
    await running.complete("a");
    expect(await memory.get(KEY)).toBe("done");
  });

  test("a listener running past 10 minutes is no longer renewed: its claim lapses as before leases", async () => {
    jest.useFakeTimers();
    const { store, memory } = faultyStore({ now: () => Date.now(), renew: true });
    const deduper = createDeduper(store, "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    await jest.advanceTimersByTimeAsync(10 * 60_000 + 30_000);
    expect(await memory.get(KEY)).toBeUndefined();
  });

  test("without renew: claims last 10 minutes, unrenewed", async () => {
    jest.useFakeTimers();
    const { store, memory } = faultyStore({ now: () => Date.now() });
    const deduper = createDeduper(store, "test", DAY, () => {});
    await expect(deduper.claim("a")).resolves.toBe("new");
    await jest.advanceTimersByTimeAsync(10 * 60_000 - 1000);
    expect(await memory.get(KEY)).toMatch(/^processing:/);
    await jest.advanceTimersByTimeAsync(1000);
    expect(await memory.get(KEY)).toBeUndefined();
  });
});

describe("Deduper keys are bounded", () => {
  test(`an id over ${MAX_ID_LENGTH} characters is kept as its SHA-256: the key stays small, the id still dedupes`, async () => {
    const store = new MemoryStore();
    const deduper = createDeduper(store, "test", DAY, () => {});
    const long = "x".repeat(1024 * 1024);
    await expect(deduper.claim(long)).resolves.toBe("new");
    await expect(deduper.claim(long)).resolves.toBe("processing");
    await expect(deduper.claim(`${long}y`)).resolves.toBe("new");
    expect(store.bytes).toBeLessThan(2 * 1024);
    const atLimit = "z".repeat(MAX_ID_LENGTH);
    await expect(deduper.claim(atLimit)).resolves.toBe("new");
    await expect(store.get(`ewr:dedupe:test:${atLimit}`)).resolves.toBe("processing");
    // Over any store alike.
    const { store: other, memory } = faultyStore();
    const async = createDeduper(other, "test", DAY, () => {});
    await expect(async.claim(long)).resolves.toBe("new");
    expect(memory.bytes).toBeLessThan(2 * 1024);
  });
});

describe("Deduper over a full in-memory store", () => {
  test("evictions are counted per provider, and reported once, at the first", async () => {
    const reported: WebhookError[] = [];
    const store = new MemoryStore({ maxEntries: 2 });
    const deduper = createDeduper(store, "evicting", DAY, (error) => reported.push(error));
    const before = dedupeEvictions().get("evicting") ?? 0;
    for (const id of ["a", "b"]) void deduper.complete(id);
    expect(reported).toEqual([]);
    for (const id of ["c", "d", "e"]) {
      await expect(deduper.claim(id)).resolves.toBe("new");
      void deduper.complete(id);
    }
    expect(store.evictions).toBe(3);
    expect((dedupeEvictions().get("evicting") ?? 0) - before).toBe(3);
    expect(reported.map((error) => [error.code, error.status, error.provider])).toEqual([["dedupe_evicted", 200, "evicting"]]);
    // The forgotten delivery is new again: what the warning is about.
    await expect(deduper.claim("a")).resolves.toBe("new");
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(await check()).toBe(true);
}
