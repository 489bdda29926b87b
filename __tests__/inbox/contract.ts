import type { InboxStore } from "../../lib/inbox/types.js";
import { isRecordFailure } from "../../lib/inbox/store-failure.js";
import { isUnstorableRecordError } from "../../lib/inbox/unstorable.js";
import { newRecord } from "./new-record.js";

/** Opens fresh, empty storage: `store`, and `twin` over the same storage where it can be shared. */
export type OpenInbox = (options?: { retainMs?: number }) => Promise<{ store: InboxStore; twin: InboxStore }>;

const T0 = Date.now();
const LEASE = 30_000;

/** Every {@link InboxStore} behaves alike: this suite runs against each of them. */
export function describeInboxContract(name: string, open: OpenInbox): void {
  describe(`${name} (InboxStore contract)`, () => {
    let store: InboxStore;
    let twin: InboxStore;
    const opened: InboxStore[] = [];
    const use = async (options?: { retainMs?: number }) => {
      ({ store, twin } = await open(options));
      opened.push(store, twin);
    };
    beforeEach(() => use());
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    test("add stores a pending record, leased to the caller, with the first attempt counted", async () => {
      const record = newRecord({ deliveryId: undefined, known: false, meta: undefined });
      expect(await store.add(record, { leaseMs: LEASE, now: T0 })).toBe(true);
      expect(await store.get(record.key)).toEqual({
        ...record,
        status: "pending",
        attempts: 1,
        nextAttemptAt: T0 + LEASE,
        lastError: undefined,
        updatedAt: T0,
      });
      expect(await store.get("misskey:absent")).toBeUndefined();
    });

    test("add with no lease (an ingest-only receiver) leaves the record due at once for any worker, no attempt counted", async () => {
      const record = newRecord();
      expect(await store.add(record, { leaseMs: 0, now: T0 })).toBe(true);
      expect(await store.get(record.key)).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: T0 });
      const [leased] = await twin.leaseDue({ limit: 5, leaseMs: LEASE, now: T0 });
      expect(leased).toMatchObject({ key: record.key, attempts: 1, nextAttemptAt: T0 + LEASE });
    });

    // Item 5 of issue 12: a record the store can never hold is an error of the record
    // (final), never one that looks like an outage (which invites resends forever).
    test.each([
      ["nested 100,000 levels deep", () => nested(100_000)],
      ["holding a cycle", () => cyclic()],
      ["holding a BigInt", () => ({ amount: 10n })],
    ])("a payload %s is refused as unstorable and nothing is stored", async (_, payload) => {
      const record = newRecord({ payload: payload() });
      const error: unknown = await store.add(record, { leaseMs: LEASE, now: T0 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isUnstorableRecordError(error)).toBe(true);
      expect(isRecordFailure(error)).toBe(true);
      expect(String(error)).toContain("payload");
      expect(await store.get(record.key)).toBeUndefined();
      expect(await store.counts()).toEqual({ pending: 0, failed: 0, done: 0 });
      // The store is not harmed: the next record is stored as usual.
      expect(await store.add(newRecord(), { leaseMs: LEASE, now: T0 })).toBe(true);
    });

    test("a listener changing its payload does not change what a retry reads", async () => {
      const record = newRecord();
      await store.add(record, { leaseMs: LEASE, now: T0 });
      const first = await store.get(record.key);
      (first!.payload as { list: unknown[] }).list.push("changed");
      expect((await twin.get(record.key))?.payload).toEqual(record.payload);
    });

    test("a duplicate add resolves false and changes nothing", async () => {
      const record = newRecord();
      await store.add(record, { leaseMs: LEASE, now: T0 });
      const before = await store.get(record.key);
      expect(await twin.add({ ...record, payload: "other" }, { leaseMs: 1, now: T0 + 5 })).toBe(false);
      expect(await store.get(record.key)).toEqual(before);
    });

    test("a lease that runs out makes the record due again, counting another attempt", async () => {
      const record = newRecord();
      await store.add(record, { leaseMs: LEASE, now: T0 });
      expect(await store.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + LEASE - 1 })).toEqual([]);
      const [leased] = await twin.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + LEASE });
      expect(leased).toMatchObject({ key: record.key, attempts: 2, nextAttemptAt: T0 + 2 * LEASE, updatedAt: T0 + LEASE });
      expect(await store.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + LEASE })).toEqual([]);
    });

    test("leaseDue takes at most `limit` due records, earliest due first, returned oldest first", async () => {
      const [a, b, c, d] = [newRecord(), newRecord(), newRecord(), newRecord()];
      await store.add(c, { leaseMs: 10, now: T0 });
      await store.add(a, { leaseMs: 30, now: T0 });
      await store.add(b, { leaseMs: 20, now: T0 });
      await store.add(d, { leaseMs: 1000, now: T0 });
      const leased = await store.leaseDue({ limit: 2, leaseMs: LEASE, now: T0 + 100 });
      expect(leased.map((r) => r.key)).toEqual([b.key, c.key]);
      expect((await store.leaseDue({ limit: 5, leaseMs: LEASE, now: T0 + 100 })).map((r) => r.key)).toEqual([a.key]);
    });

    test("leaseDue with a provider takes only that provider's records", async () => {
      const [a, b, c] = [newRecord(), newRecord({ provider: "oksky" }), newRecord()];
      for (const r of [a, b, c]) await store.add(r, { leaseMs: 1, now: T0 });
      const lease = (provider?: string) => twin.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + 10, provider });
      expect((await lease("oksky")).map((r) => r.key)).toEqual([b.key]);
      expect(await lease("pokepay")).toEqual([]);
      expect((await lease("misskey")).map((r) => r.key)).toEqual([a.key, c.key]);
      const later = await store.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + 10 + LEASE });
      expect(later.map((r) => r.key)).toEqual([a.key, b.key, c.key]);
    });

    test("concurrent leases from two store instances never return the same record", async () => {
      for (let round = 0; round < 20; round++) {
        const records = Array.from({ length: 12 }, () => newRecord());
        const now = T0 + round * 1000;
        for (const record of records) await store.add(record, { leaseMs: 1, now });
        const lease = (s: InboxStore) => s.leaseDue({ limit: 3, leaseMs: 10 * LEASE, now: now + 10 });
        const batches = await Promise.all([lease(store), lease(twin), lease(store), lease(twin), lease(twin), lease(store)]);
        const keys = batches.flat().map((r) => r.key);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.sort()).toEqual(records.map((r) => r.key).sort());
      }
    });

    test("complete marks the record done; it is never leased again", async () => {
      const record = newRecord();
      await store.add(record, { leaseMs: 1, now: T0 });
      await twin.complete(record.key, { now: T0 + 5 });
      expect(await store.get(record.key)).toMatchObject({ status: "done", attempts: 1, updatedAt: T0 + 5 });
      expect(await store.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + 10 * LEASE })).toEqual([]);
      await store.complete("misskey:absent", { now: T0 });
      expect(await store.counts()).toEqual({ pending: 0, failed: 0, done: 1 });
    });

    test("fail with retryAt puts the record back, due at retryAt; without it, failed for good", async () => {
      const record = newRecord();
      await store.add(record, { leaseMs: LEASE, now: T0 });
      await store.fail(record.key, { error: "listener threw", retryAt: T0 + 500, now: T0 + 1 });
      expect(await store.get(record.key)).toMatchObject({ status: "pending", nextAttemptAt: T0 + 500, lastError: "listener threw" });
      expect(await twin.leaseDue({ limit: 1, leaseMs: LEASE, now: T0 + 499 })).toEqual([]);
      const [retry] = await twin.leaseDue({ limit: 1, leaseMs: LEASE, now: T0 + 500 });
      expect(retry).toMatchObject({ key: record.key, attempts: 2 });

      await twin.fail(record.key, { error: "again", retryAt: undefined, now: T0 + 600 });
      expect(await store.get(record.key)).toMatchObject({ status: "failed", attempts: 2, lastError: "again", updatedAt: T0 + 600 });
      expect(await store.leaseDue({ limit: 1, leaseMs: LEASE, now: T0 + 100 * LEASE })).toEqual([]);
      expect(await store.counts()).toEqual({ pending: 0, failed: 1, done: 0 });
    });

    test("fail leaves a record alone that another worker completed meanwhile", async () => {
      const record = newRecord();
      await store.add(record, { leaseMs: LEASE, now: T0 });
      await twin.complete(record.key, { now: T0 + 1 });
      await store.fail(record.key, { error: "late", retryAt: undefined, now: T0 + 2 });
      expect(await store.get(record.key)).toMatchObject({ status: "done", lastError: undefined });
    });

    test("requeue makes records pending and due now, resetting a failed one's attempts", async () => {
      const [failed, done, pending] = [newRecord(), newRecord(), newRecord()];
      for (const r of [failed, done, pending]) await store.add(r, { leaseMs: LEASE, now: T0 });
      await store.fail(failed.key, { error: "boom", retryAt: undefined, now: T0 + 1 });
      await store.complete(done.key, { now: T0 + 1 });
      const keys = [failed.key, done.key, pending.key, failed.key, "misskey:absent"];
      expect(await twin.requeue(keys, { now: T0 + 2 })).toBe(3);
      expect(await store.get(failed.key)).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: T0 + 2, lastError: "boom" });
      expect(await store.get(done.key)).toMatchObject({ status: "pending", attempts: 1, nextAttemptAt: T0 + 2 });
      expect(await store.counts()).toEqual({ pending: 3, failed: 0, done: 0 });
      const leased = await store.leaseDue({ limit: 10, leaseMs: LEASE, now: T0 + 2 });
      expect(leased.map((r) => r.key).sort()).toEqual([failed.key, done.key, pending.key].sort());
      expect(await store.requeue([], { now: T0 })).toBe(0);
    });

    test("list returns newest first, filtered by status and provider, up to limit", async () => {
      const records = [newRecord(), newRecord({ provider: "oksky", key: `oksky:${Math.random()}` }), newRecord(), newRecord()];
      for (const r of records) await store.add(r, { leaseMs: LEASE, now: T0 });
      const [first, oksky, third, fourth] = records.map((r) => r.key);
      await store.fail(third!, { error: "x", retryAt: undefined, now: T0 + 1 });
      await store.complete(fourth!, { now: T0 + 1 });
      expect((await twin.list()).map((r) => r.key)).toEqual([fourth, third, oksky, first]);
      expect((await twin.list({ limit: 2 })).map((r) => r.key)).toEqual([fourth, third]);
      expect((await twin.list({ status: "pending" })).map((r) => r.key)).toEqual([oksky, first]);
      expect((await twin.list({ status: "failed" })).map((r) => r.key)).toEqual([third]);
      expect((await twin.list({ status: "done" })).map((r) => r.key)).toEqual([fourth]);
      expect((await twin.list({ provider: "oksky" })).map((r) => r.key)).toEqual([oksky]);
      expect(await twin.list({ status: "failed", provider: "oksky" })).toEqual([]);
    });

    test("list returns 100 records unless told otherwise", async () => {
      for (let i = 0; i < 101; i++) await store.add(newRecord(), { leaseMs: LEASE, now: T0 });
      expect(await store.list()).toHaveLength(100);
      expect(await store.list({ limit: 500 })).toHaveLength(101);
    });

    test("purge deletes only what matches every filter and counts it", async () => {
      const [old, recent, oksky, pending] = [newRecord(), newRecord(), newRecord({ provider: "oksky" }), newRecord()];
      for (const r of [old, recent, oksky, pending]) await store.add(r, { leaseMs: LEASE, now: T0 });
      await store.complete(old.key, { now: T0 + 10 });
      await store.complete(recent.key, { now: T0 + 20 });
      await store.complete(oksky.key, { now: T0 + 10 });
      expect(await twin.purge({ status: "failed" })).toBe(0);
      expect(await twin.purge({ status: "done", provider: "misskey", before: T0 + 20 })).toBe(1);
      expect(await store.get(old.key)).toBeUndefined();
      expect(await store.get(recent.key)).toBeDefined();
      expect(await twin.purge({ provider: "oksky" })).toBe(1);
      expect(await store.counts()).toEqual({ pending: 1, failed: 0, done: 1 });
      expect(await twin.purge({})).toBe(2);
      expect(await store.list()).toEqual([]);
    });

    test("done records are dropped once older than retainMs", async () => {
      await use({ retainMs: 300 });
      const [old, fresh] = [newRecord(), newRecord()];
      await store.add(old, { leaseMs: LEASE, now: T0 });
      await store.complete(old.key, { now: T0 });
      await new Promise((resolve) => setTimeout(resolve, 450)); // Redis expires by the wall clock
      await store.add(fresh, { leaseMs: LEASE, now: T0 + 61_000 });
      await store.complete(fresh.key, { now: T0 + 61_000 });
      expect(await store.get(old.key)).toBeUndefined();
      expect((await store.list()).map((r) => r.key)).toEqual([fresh.key]);
      expect(await store.add(old, { leaseMs: LEASE, now: T0 + 62_000 })).toBe(true);
    });
  });
}

/** `{ a: { a: ... } }`, `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let value: unknown = {};
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

function cyclic(): unknown {
  const value: { self?: unknown } = {};
  value.self = value;
  return value;
}
