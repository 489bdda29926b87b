import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import { deferred } from "../fixtures/test-receiver.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import { providerCases, SECRET, type AnyReceiver } from "./providers.js";
import { errorLog, listen, post, until, type LiveServer } from "./support.js";

// The embedded inbox on a full disk. SQLite's max_page_count caps the file as a full
// disk would: an insert that needs a new page fails with SQLITE_FULL. README: "If the
// inbox itself cannot store a delivery, resending providers get 503 store_unavailable;
// OK SKY's delivery is dispatched directly rather than lost."
const dir = mkdtempSync(join(tmpdir(), "ewr-disk-full-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
let live: LiveServer | undefined;
const receivers: AnyReceiver[] = [];
const inboxes: SqliteInbox[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close({ timeoutMs: 100 })));
  await Promise.all(inboxes.splice(0).map((i) => i.close()));
  await live?.close();
  live = undefined;
});

/** A SqliteInbox whose disk can be filled up and freed again. */
function inboxOnSmallDisk(): { inbox: SqliteInbox; fill(): void; free(): void } {
  let db: BetterSqlite3.Database | undefined;
  class Database extends BetterSqlite3 {
    constructor(filename: string, options?: BetterSqlite3.Options) {
      super(filename, options);
      // The test needs the very connection the inbox opened, to fill its disk.
      // eslint-disable-next-line @typescript-eslint/no-this-alias
      db = this;
    }
  }
  const inbox = new SqliteInbox({ path: join(dir, `inbox-${++files}.sqlite`), Database });
  inboxes.push(inbox);
  return {
    inbox,
    // No page beyond those the file has: what a full disk means to SQLite.
    fill: () => void db!.pragma(`max_page_count = ${Number(db!.pragma("page_count", { simple: true }))}`),
    free: () => void db!.pragma("max_page_count = 1073741823"),
  };
}

// Bigger than a page: storing it always needs new pages.
const big = { padding: "x".repeat(20_000) };

describe.each(providerCases)("$name with a SqliteInbox on a full disk", (provider) => {
  test(
    provider.resends
      ? "503 store_unavailable, and the resend is stored and dispatched once the disk has room"
      : "dispatched directly, answered 200, never lost",
    async () => {
      const { inbox, fill, free } = inboxOnSmallDisk();
      const receiver = provider.create({ dispatchTimeoutMs: 200, inbox: { store: inbox, pollIntervalMs: 20, leaseMs: 500 } });
      receivers.push(receiver);
      const log = errorLog();
      receiver.onError(log.listener);
      const dispatched: unknown[] = [];
      receiver.onAny((event) => void dispatched.push(event.payload));
      live = await listen({ [provider.path]: receiver.router });

      fill();
      const d = provider.delivery(big);
      const answer = await post(live.port, provider.path, d);
      expect(log.codes()).toEqual(["store_unavailable"]);
      const [failure] = log.errors;
      expect((failure!.cause as { code?: string }).code).toBe("SQLITE_FULL");
      expect(failure!.event?.payload).toMatchObject(big);
      if (provider.resends) {
        expect(answer.status).toBe(503);
        expect(answer.body).toMatchObject({ error: "store_unavailable" });
        expect(dispatched).toEqual([]);
        free();
        const resend = await post(live.port, provider.path, d);
        expect(resend.status).toBe(200);
        await until("the record to be done", async () => (await inbox.counts()).done === 1);
        expect(dispatched).toHaveLength(1);
      } else {
        expect(answer.status).toBe(200);
        expect(dispatched).toHaveLength(1);
        expect(dispatched[0]).toMatchObject(big);
      }
      expect(await inbox.counts()).toEqual({ pending: 0, failed: 0, done: provider.resends ? 1 : 0 });
    },
  );
});

// Item 5 of issue 12: a store error about the record (here a real SQLite constraint, a
// trigger refusing it) is final, 422 unstorable_payload: resending cannot help. An
// outage (here the file locked by another process's transaction) stays 503.
describe.each(providerCases)("$name with a SqliteInbox that refuses a record, or is locked", (provider) => {
  test(
    provider.resends
      ? "a refused record is a final 422 unstorable_payload; a locked file is 503 store_unavailable, and the resend is stored"
      : "a refused record and a locked file are both dispatched directly, answered 200, reported",
    async () => {
      const path = join(dir, `inbox-${++files}.sqlite`);
      const inbox = new SqliteInbox({ path, busyTimeoutMs: 50 });
      inboxes.push(inbox);
      const receiver = provider.create({ dispatchTimeoutMs: 200, inbox: { store: inbox, pollIntervalMs: 20, leaseMs: 500 } });
      receivers.push(receiver);
      const log = errorLog();
      receiver.onError(log.listener);
      const dispatched: unknown[] = [];
      receiver.onAny((event) => void dispatched.push(event.payload));
      live = await listen({ [provider.path]: receiver.router });

      const other = new BetterSqlite3(path);
      other.exec(`CREATE TRIGGER refuse BEFORE INSERT ON ewr_inbox WHEN NEW.payload LIKE '%"refuse-me"%'
                  BEGIN SELECT RAISE(ABORT, 'this record is not wanted'); END`);
      const refused = await post(live.port, provider.path, provider.delivery({ tag: "refuse-me" }));
      expect(log.codes()).toEqual(["unstorable_payload"]);
      expect((log.errors[0]!.cause as { code?: string }).code).toBe("SQLITE_CONSTRAINT_TRIGGER");
      expect(log.errors[0]!.event?.payload).toMatchObject({ tag: "refuse-me" });
      if (provider.resends) {
        expect(refused.status).toBe(422);
        expect(refused.body).toMatchObject({ error: "unstorable_payload" });
        expect(dispatched).toEqual([]);
      } else {
        expect(refused.status).toBe(200);
        expect(dispatched).toEqual([expect.objectContaining({ tag: "refuse-me" })]);
      }

      other.exec("BEGIN EXCLUSIVE");
      const d = provider.delivery({ tag: "locked" });
      const locked = await post(live.port, provider.path, d);
      // (The worker's polls fail too while the file is locked: those carry no event.)
      const [, busy, ...more] = log.errors.filter((e) => e.event !== undefined);
      expect([busy?.code, more]).toEqual(["store_unavailable", []]);
      expect((busy!.cause as { code?: string }).code).toBe("SQLITE_BUSY");
      expect(busy!.event?.payload).toMatchObject({ tag: "locked" });
      other.exec("COMMIT");
      other.close();
      if (provider.resends) {
        expect(locked.status).toBe(503);
        expect(locked.body).toMatchObject({ error: "store_unavailable" });
        expect((await post(live.port, provider.path, d)).status).toBe(200);
        await until("the resend to be done", async () => (await inbox.counts()).done === 1);
        expect(dispatched).toEqual([expect.objectContaining({ tag: "locked" })]);
      } else {
        expect(locked.status).toBe(200);
        expect(dispatched).toEqual([expect.objectContaining({ tag: "refuse-me" }), expect.objectContaining({ tag: "locked" })]);
      }
      expect(await inbox.counts()).toEqual({ pending: 0, failed: 0, done: provider.resends ? 1 : 0 });
    },
  );
});

describe("records stored before the disk filled up", () => {
  test("complete once they finish; a listener failure retries from the inbox after room is made", async () => {
    const misskey = providerCases.find((p) => p.name === "misskey")!;
    const oksky = providerCases.find((p) => p.name === "oksky")!;
    const { inbox, fill, free } = inboxOnSmallDisk();
    const settings = { store: inbox, pollIntervalMs: 20, leaseMs: 400, backoffMs: 20, maxBackoffMs: 40 };
    const m = misskey.create({ dispatchTimeoutMs: 100, inbox: settings });
    const o = oksky.create({ dispatchTimeoutMs: 100, inbox: settings });
    receivers.push(m, o);
    const log = errorLog();
    m.onError(log.listener);
    o.onError(log.listener);
    const gate = deferred();
    const fails = { left: 1 };
    const calls: string[] = [];
    m.onAny(async (event) => {
      calls.push(`misskey ${event.id}`);
      await gate.promise;
      if (fails.left-- > 0) throw new Error(`listener fails ${"y".repeat(3000)}`);
    });
    o.onAny(() => {
      calls.push("oksky");
      throw new Error("OK SKY listener fails too");
    });
    live = await listen({ [misskey.path]: m.router, [oksky.path]: o.router });

    const stored = misskeyDelivery("note", { secret: SECRET });
    expect((await post(live.port, misskey.path, stored)).status).toBe(200);
    expect(await inbox.counts()).toEqual({ pending: 1, failed: 0, done: 0 });

    fill();
    // OK SKY's direct dispatch fails: it is still 200 (OK SKY never resends), and onError
    // gets the whole event: reported, not lost.
    const direct = oksky.delivery(big);
    expect((await post(live.port, oksky.path, direct)).status).toBe(200);
    const handlerFailed = log.errors.find((e) => e.code === "handler_failed" && e.provider === "oksky");
    expect(handlerFailed?.event?.payload).toMatchObject(big);

    // The stored record's first attempt fails while the disk is full; it stays pending.
    gate.resolve();
    await until(
      "the failure to be recorded or reported",
      () => calls.length >= 3 || log.errors.some((e) => e.message.includes("could not be updated")),
    );
    free();
    await until("the stored record to be done", async () => (await inbox.get(`misskey:${stored.payload.eventId}`))?.status === "done");
    expect(calls.filter((c) => c.startsWith("misskey"))).toHaveLength(2);
    expect(calls.filter((c) => c === "oksky")).toHaveLength(1);
    expect(await inbox.counts()).toEqual({ pending: 0, failed: 0, done: 1 });
  });
});
