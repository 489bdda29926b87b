import { Redis } from "ioredis";
import { createMisskeyReceiver } from "../../lib/index.js";
import { RedisStore } from "../../lib/stores/redis.js";
import { misskeyDelivery } from "../../lib/testing/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { SECRET, type AnyReceiver } from "./providers.js";
import { listen, post, sleep, until, type LiveServer } from "./support.js";

// A stream of Misskey deliveries under a Redis outage: Redis killed (SIGKILL) and
// restarted on the same port, or paused (SIGSTOP) and resumed, while claims are on the
// wire. The senders behave like Misskey: a 5xx is resent (here every 250 ms instead of
// after 1, 4 and 11 minutes), a 2xx is final. A claim that reaches Redis after its
// request was answered 503 (ioredis resends what a dropped connection left unanswered;
// a paused server runs what it was sent) must not hold the delivery: within the recovery
// window every delivery is dispatched, exactly once, and none still answers
// delivery_in_progress. Nothing here is timed but the phases; the end is reached when
// every delivery got its 2xx, or at the window's end.

const CONCURRENCY = 16;
const RESEND_MS = 250;
const LOAD_BEFORE_MS = 1500;
const OUTAGE_MS = 3000;
/** From Redis being back (the client ready again) to the count: well inside the 30 s goal. */
const RECOVERY_MS = 12_000;

let server: RedisServer;
let redis: Redis;
let live: LiveServer | undefined;
let receiver: AnyReceiver | undefined;

beforeAll(async () => {
  // Persistent (appendfsync always), as a production Redis keeping dedupe is: every
  // claim is on disk before its reply, which widens the window a kill lands in.
  server = await startRedisServer({ persistent: true });
}, 20_000);
beforeEach(async () => {
  redis = new Redis(server.url);
  redis.on("error", () => {});
  await until("the client to connect", () => redis.status === "ready");
});
afterEach(async () => {
  await server.resume();
  await receiver?.close({ timeoutMs: 100 });
  await live?.close();
  receiver = undefined;
  live = undefined;
  redis.disconnect();
});
afterAll(async () => {
  await server.stop();
});

interface Outcome {
  deliveries: number;
  /** Answers 503 store_unavailable: the outage was felt. */
  refused: number;
  /** The last answer still delivery_in_progress at the window's end. */
  stuck: number;
  /** Never dispatched. */
  lost: number;
  /** Dispatched more than once. */
  duplicate: number;
}

/** Runs the load around `outage` (which resolves once Redis is back) and counts. */
async function underLoad(prefix: string, outage: () => Promise<void>): Promise<Outcome> {
  const misskey = createMisskeyReceiver({ secret: SECRET, dedupe: new RedisStore(redis, { prefix }) });
  receiver = misskey;
  misskey.onError(() => {});
  const dispatched = new Map<string, number>();
  let n = 0;
  misskey.on("note", async (event) => {
    dispatched.set(event.id, (dispatched.get(event.id) ?? 0) + 1);
    // Some listeners run a while, so claims and "done" marks are under way at the kill.
    if (++n % 4 === 0) await sleep(50);
  });
  live = await listen({ "/hooks/misskey": misskey.router });
  const port = live.port;

  const last = new Map<string, string>();
  const deliveries: Delivery[] = [];
  let refused = 0;
  let producing = true;
  let deadline = Number.POSITIVE_INFINITY;

  /** One delivery, sent until a 2xx or the deadline, like Misskey's retries. */
  const send = async (delivery: Delivery): Promise<void> => {
    const id = (delivery.payload as { eventId: string }).eventId;
    for (;;) {
      const answer = await post(port, "/hooks/misskey", delivery);
      const code = answer.status < 300 ? "ok" : String(answer.body["error"]);
      last.set(id, code);
      if (code === "store_unavailable") refused++;
      if (answer.status < 300) return;
      if (answer.status < 500) throw new Error(`final refusal ${answer.status} ${code}`);
      if (Date.now() > deadline) return;
      await sleep(RESEND_MS);
    }
  };
  const sender = async (): Promise<void> => {
    const mine: Promise<void>[] = [];
    while (producing) {
      const delivery = misskeyDelivery("note", { secret: SECRET });
      deliveries.push(delivery);
      const sent = send(delivery);
      mine.push(sent);
      // One new delivery in flight per sender; resends go on beside it.
      await Promise.race([sent, sleep(RESEND_MS)]);
    }
    await Promise.all(mine);
  };
  const senders = Array.from({ length: CONCURRENCY }, sender);

  await sleep(LOAD_BEFORE_MS);
  await outage();
  deadline = Date.now() + RECOVERY_MS;
  await sleep(500);
  producing = false;
  await Promise.all(senders);

  const ids = deliveries.map((d) => (d.payload as { eventId: string }).eventId);
  return {
    deliveries: ids.length,
    refused,
    stuck: ids.filter((id) => last.get(id) === "delivery_in_progress").length,
    lost: ids.filter((id) => !dispatched.has(id)).length,
    duplicate: ids.filter((id) => (dispatched.get(id) ?? 0) > 1).length,
  };
}

function report(what: string, outcome: Outcome): void {
  if (process.env["EWR_REPORT_COUNTS"]) process.stderr.write(`${what}: ${JSON.stringify(outcome)}\n`);
}

describe("RedisStore dedupe: a late claim never locks a delivery out", () => {
  test("Redis killed (SIGKILL) under load and restarted: every delivery dispatched once, none stuck", async () => {
    const outcome = await underLoad(`kill${Date.now()}:`, async () => {
      await server.kill();
      await sleep(OUTAGE_MS);
      await server.restart();
      await until("the client to reconnect", () => redis.status === "ready", 20_000);
    });
    report("SIGKILL", outcome);
    expect(outcome.refused).toBeGreaterThan(0);
    expect({ stuck: outcome.stuck, lost: outcome.lost, duplicate: outcome.duplicate }).toEqual({ stuck: 0, lost: 0, duplicate: 0 });
  }, 45_000);

  test("Redis paused (SIGSTOP) under load, then resumed: the claims it runs late are released behind them", async () => {
    const outcome = await underLoad(`pause${Date.now()}:`, async () => {
      await server.pause();
      await sleep(OUTAGE_MS);
      await server.resume();
    });
    report("SIGSTOP", outcome);
    expect(outcome.refused).toBeGreaterThan(0);
    expect({ stuck: outcome.stuck, lost: outcome.lost, duplicate: outcome.duplicate }).toEqual({ stuck: 0, lost: 0, duplicate: 0 });
  }, 45_000);
});
