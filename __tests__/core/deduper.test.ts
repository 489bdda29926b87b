import { Deduper } from "../../lib/core/deduper.js";
import type { WebhookError } from "../../lib/core/errors.js";
import type { WebhookResponse } from "../../lib/core/types.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { MemoryStore } from "../../lib/stores/memory.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";

const DAY = 24 * 60 * 60 * 1000;

describe("Deduper over the in-memory store", () => {
  test("claim, complete and release answer at once (values, not promises)", () => {
    const deduper = new Deduper(new MemoryStore(), "test", DAY, () => {});
    expect(deduper.claim("a")).toBe("new");
    expect(deduper.claim("a")).toBe("processing");
    expect(deduper.complete("a")).toBeUndefined();
    expect(deduper.claim("a")).toBe("done");
    expect(deduper.claim("b")).toBe("new");
    expect(deduper.release("b")).toBeUndefined();
    expect(deduper.claim("b")).toBe("new");
  });

  test("keys are per provider", () => {
    const store = new MemoryStore();
    const one = new Deduper(store, "one", DAY, () => {});
    const two = new Deduper(store, "two", DAY, () => {});
    expect(one.claim("x")).toBe("new");
    expect(two.claim("x")).toBe("new");
  });

  test("a claim that expired is claimed again", () => {
    let now = 1_000_000;
    const deduper = new Deduper(new MemoryStore({ now: () => now }), "test", DAY, () => {});
    expect(deduper.claim("a")).toBe("new");
    now += 10 * 60 * 1000;
    expect(deduper.claim("a")).toBe("new");
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
    const deduper = new Deduper(new Audited(), "test", DAY, () => {});
    const claim = deduper.claim("a");
    expect(claim).toBeInstanceOf(Promise);
    await expect(claim).resolves.toBe("new");
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
    const deduper = new Deduper(broken, "test", DAY, (error) => reported.push(error));
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
    expect((await inner!).body).toContain("delivery_in_progress");
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
