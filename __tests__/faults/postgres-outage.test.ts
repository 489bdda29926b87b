import pg from "pg";
import { PostgresInbox } from "../../lib/inbox/postgres.js";
import { createMisskeyReceiver } from "../../lib/index.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";
import { SECRET, type AnyReceiver } from "./providers.js";
import { errorLog, listen, post, sleep, until, type Answer, type LiveServer } from "./support.js";

// The real PostgreSQL, killed (SIGKILL: the postmaster and its backends) and started
// again on the same port and data, under a receiver taking deliveries all along.
let server: PostgresServer;
let live: LiveServer | undefined;
const receivers: AnyReceiver[] = [];
const pools: pg.Pool[] = [];

beforeAll(async () => {
  server = await startPostgresServer();
}, 60_000);
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close({ timeoutMs: 100 })));
  await live?.close();
  await Promise.all(pools.map((p) => p.end()));
  await server.stop();
});

type Sent = { id: string; answer: Answer; phase: "before" | "down" | "after" };

describe("PostgresInbox while PostgreSQL is killed and restarted mid-load", () => {
  test("503 store_unavailable promptly while down, no crash, and every delivery answered 2xx is stored and dispatched", async () => {
    // A pool of the application's, built as pg's README does: no 'error' listener of its own.
    const pool = new pg.Pool({ connectionString: server.url, max: 10 });
    pools.push(pool);
    const poolErrors: Error[] = [];
    const store = new PostgresInbox({ pool, table: "outage_inbox", onPoolError: (error) => poolErrors.push(error) });
    await store.createSchema();
    const receiver = createMisskeyReceiver({
      secret: SECRET,
      dispatchTimeoutMs: 500,
      inbox: { store, pollIntervalMs: 50, leaseMs: 1500, backoffMs: 100, maxBackoffMs: 300 },
    });
    receivers.push(receiver);
    const log = errorLog();
    receiver.onError(log.listener);
    const dispatched = new Map<string, number>();
    receiver.on("note", (e) => void dispatched.set(e.id, (dispatched.get(e.id) ?? 0) + 1));
    live = await listen({ "/hooks/misskey": receiver.router });
    const port = live.port;

    let phase: Sent["phase"] = "before";
    let running = true;
    const sent: Sent[] = [];
    // Eight senders, each posting fresh deliveries back to back until told to stop.
    const sender = async () => {
      while (running) {
        const at = phase;
        const d = misskeyDelivery("note", { secret: SECRET });
        const answer = await post(port, "/hooks/misskey", d);
        sent.push({ id: d.payload.eventId, answer, phase: at });
        if (at === "down") await sleep(20);
      }
    };
    const senders = Array.from({ length: 8 }, sender);

    await until("100 deliveries acknowledged", () => sent.filter((s) => s.answer.status === 200).length >= 100);
    phase = "down";
    await server.kill();
    await sleep(1500);
    await server.restart();
    phase = "after";
    await until(
      "100 more deliveries acknowledged after the restart",
      () => sent.filter((s) => s.phase === "after" && s.answer.status === 200).length >= 100,
      20_000,
    );
    running = false;
    await Promise.all(senders);

    const down = sent.filter((s) => s.phase === "down");
    const acknowledged = sent.filter((s) => s.answer.status === 200);
    // Sent while the server was dead: refused, and promptly (not after a connection timeout).
    const refused = down.filter((s) => s.answer.status === 503);
    expect(refused.length).toBeGreaterThan(10);
    expect(refused.every((s) => s.answer.body["error"] === "store_unavailable")).toBe(true);
    expect(sent.filter((s) => s.answer.ms >= 2000).map((s) => [s.phase, s.answer.status, s.answer.ms])).toEqual([]);
    // Nothing but 200 or 503 store_unavailable, in any phase.
    expect(sent.filter((s) => s.answer.status !== 200 && s.answer.body["error"] !== "store_unavailable")).toEqual([]);
    expect(new Set(log.codes())).toEqual(new Set(["store_unavailable"]));

    // Every acknowledged delivery is in the inbox and is dispatched (those whose "done"
    // was lost with the server are dispatched again when their lease runs out).
    await until(
      "every acknowledged delivery to be done",
      async () => {
        const records = await store.list({ limit: 100_000, provider: "misskey" });
        const done = new Set(records.filter((r) => r.status === "done").map((r) => r.deliveryId));
        return acknowledged.every((s) => done.has(s.id));
      },
      20_000,
    );
    expect(acknowledged.filter((s) => !dispatched.has(s.id))).toEqual([]);
    const counts = await store.counts();
    expect(counts.pending + counts.failed).toBe(0);
    console.info(
      `postgres outage: ${sent.length} sent, ${acknowledged.length} acknowledged, ${refused.length} refused while down ` +
        `(slowest ${Math.max(...down.map((s) => s.answer.ms))} ms), ${counts.done} done, ` +
        `${[...dispatched.values()].filter((n) => n > 1).length} dispatched twice, ${poolErrors.length} idle-connection errors handled`,
    );
  }, 60_000);
});

describe("PostgresInbox: a record PostgreSQL refuses is final, an outage is not", () => {
  test("a delivery id with a NUL character is answered 422 unstorable_payload; with the server down, 503 store_unavailable", async () => {
    const store = new PostgresInbox({ connectionString: server.url, table: "refusals", onPoolError: () => undefined });
    await store.createSchema();
    const receiver = createMisskeyReceiver({ secret: SECRET, dispatchTimeoutMs: 200, inbox: { store, pollIntervalMs: 50 } });
    receivers.push(receiver);
    const log = errorLog();
    receiver.onError(log.listener);
    const served = await listen({ "/hooks/misskey": receiver.router });
    try {
      const refused = await post(
        served.port,
        "/hooks/misskey",
        misskeyDelivery("note", { secret: SECRET, overrides: { eventId: "evt\u0000nul" } }),
      );
      expect(refused.status).toBe(422);
      expect(refused.body).toMatchObject({ error: "unstorable_payload" });
      expect(log.codes()).toEqual(["unstorable_payload"]);
      expect((log.errors[0]!.cause as { code?: string }).code).toBeUndefined();
      expect((log.errors[0]!.cause as { cause?: { code?: string } }).cause?.code).toBe("22021");
      await server.kill();
      try {
        const down = await post(served.port, "/hooks/misskey", misskeyDelivery("note", { secret: SECRET }));
        expect(down.status).toBe(503);
        expect(down.body).toMatchObject({ error: "store_unavailable" });
      } finally {
        await server.restart();
      }
    } finally {
      await served.close();
      await store.close();
    }
  }, 30_000);
});
