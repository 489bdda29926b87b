import { mkdtempSync, rmSync } from "node:fs";
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Router } from "express";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { deferred, type Deferred } from "../fixtures/test-receiver.js";
import { providerCases, SECRET, type AnyReceiver } from "./providers.js";
import { errorLog, listen, post, sleep, trackTimers, until, type LiveServer } from "./support.js";

// Clients that go away: mid-body (a larger Content-Length than they send), or while
// listeners run. Real sockets, so Node's HTTP server sees what a dropped connection is.
const dir = mkdtempSync(join(tmpdir(), "ewr-disconnect-"));
let live: LiveServer | undefined;
const receivers: AnyReceiver[] = [];
const inboxes: SqliteInbox[] = [];
const crashes: unknown[] = [];
const onCrash = (error: unknown): void => void crashes.push(error);
let timers: ReturnType<typeof trackTimers>;

beforeAll(() => {
  timers = trackTimers();
  process.on("unhandledRejection", onCrash);
  process.on("uncaughtException", onCrash);
});
afterAll(() => {
  timers.restore();
  process.off("unhandledRejection", onCrash);
  process.off("uncaughtException", onCrash);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close({ timeoutMs: 100 })));
  await Promise.all(inboxes.splice(0).map((i) => i.close()));
  await live?.close();
  live = undefined;
  expect(crashes).toEqual([]);
});

/** Sends the request head and the first `sent` bytes of the body, then drops the connection. */
async function sendPartly(port: number, path: string, delivery: Delivery, sent: number): Promise<void> {
  const body = Buffer.from(delivery.body);
  const head = [
    `POST ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    `Content-Length: ${body.length}`,
    ...Object.entries(delivery.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  const socket: Socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  socket.write(`${head.join("\r\n")}\r\n\r\n`);
  socket.write(body.subarray(0, sent));
  // Let the server start reading before the client vanishes.
  await sleep(30);
  socket.destroy();
}

/** Sends a whole delivery, then drops the connection without reading the answer. */
async function sendAndLeave(port: number, path: string, delivery: Delivery): Promise<Socket> {
  const body = Buffer.from(delivery.body);
  const head = [
    `POST ${path} HTTP/1.1`,
    "Host: 127.0.0.1",
    `Content-Length: ${body.length}`,
    ...Object.entries(delivery.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve) => socket.once("connect", resolve));
  socket.end(Buffer.concat([Buffer.from(`${head.join("\r\n")}\r\n\r\n`), body]));
  return socket;
}

const connections = (): Promise<number> =>
  new Promise((resolve, reject) =>
    live!.server.getConnections((error, n) => {
      if (error) reject(error);
      else resolve(n);
    }),
  );

/** Listeners a request stream holds for the events readBody listens to. */
function bodyListeners(req: IncomingMessage): Record<string, number> {
  return Object.fromEntries(["data", "end", "error", "aborted", "close"].map((name) => [name, req.listenerCount(name)]));
}

test("clients that disconnect mid-body, to every provider: no listener call, no crash, nothing left behind; valid deliveries still answered", async () => {
  const current = new AsyncLocalStorage<IncomingMessage>();
  const log = errorLog();
  // What the body reader left on each request when it gave up: looked at from inside
  // the request's own async context, before anything answers.
  const leftOnRequest: Record<string, number>[] = [];
  let dispatched = 0;
  const routes: Record<string, Router> = {};
  for (const provider of providerCases) {
    // The default logger holds one summary timer per refusal code (not per request): not what is looked for here.
    const receiver = provider.create({ logger: false });
    receivers.push(receiver);
    receiver.onError((error) => {
      log.listener(error);
      leftOnRequest.push(bodyListeners(current.getStore()!));
    });
    receiver.onAny(() => void (dispatched += 1));
    routes[provider.path] = receiver.router;
  }
  live = await listen(routes, (req, _res, next) => {
    current.run(req, next);
  });
  // Warm up (Express, the first sockets), then take the baseline.
  for (const provider of providerCases) expect((await post(live.port, provider.path, provider.delivery())).status).toBe(200);
  await until("the warm-up connections to close", async () => (await connections()) === 0);
  const baseline = timers.pending();
  dispatched = 0;

  const cuts = 8;
  for (const provider of providerCases) {
    for (let i = 0; i < cuts; i++)
      await sendPartly(live.port, provider.path, provider.delivery({ padding: "z".repeat(8000) }), 1000 + i * 500);
  }
  const expected = providerCases.length * cuts;
  await until("every abort to be reported", () => log.codes().length === expected);
  expect(new Set(log.codes())).toEqual(new Set(["request_aborted"]));
  expect(new Set(log.errors.map((e) => e.provider))).toEqual(new Set(providerCases.map((p) => p.name)));
  expect(dispatched).toBe(0);
  // One "error" listener stays on purpose: a no-op, so that a late error on a stream
  // given up on cannot crash the process.
  expect(leftOnRequest).toEqual(log.errors.map(() => ({ data: 0, end: 0, error: 1, aborted: 0, close: 0 })));
  await until("the dropped connections to close", async () => (await connections()) === 0);
  // Nothing is read off for a client already gone: no timer of ours is left behind.
  expect(timers.since(baseline)).toEqual([]);

  for (const provider of providerCases) expect((await post(live.port, provider.path, provider.delivery())).status).toBe(200);
  expect(dispatched).toBe(providerCases.length);
}, 20_000);

test("OK SKY multipart and form bodies cut off mid-body are not dispatched either", async () => {
  const oksky = providerCases.find((p) => p.name === "oksky")!;
  const receiver = oksky.create({});
  receivers.push(receiver);
  const log = errorLog();
  receiver.onError(log.listener);
  let dispatched = 0;
  receiver.onAny(() => void (dispatched += 1));
  live = await listen({ [oksky.path]: receiver.router });
  const bodies = [
    okskyDelivery("Message.create", { secret: SECRET, contentType: "multipart/form-data" }),
    okskyDelivery("Message.create", { secret: SECRET, contentType: "multipart/form-data", layout: "payload-file" }),
    okskyDelivery("Message.create", { secret: SECRET, contentType: "application/x-www-form-urlencoded" }),
  ];
  for (const d of bodies) await sendPartly(live.port, oksky.path, d, Math.floor(Buffer.byteLength(d.body) / 2));
  await until("every abort to be reported", () => log.codes().length === bodies.length);
  expect(log.codes()).toEqual(bodies.map(() => "request_aborted"));
  expect(dispatched).toBe(0);
  expect((await post(live.port, oksky.path, bodies[0]!)).status).toBe(200);
  expect(dispatched).toBe(1);
});

describe.each(providerCases)("$name: a client that disconnects while the listener runs", (provider) => {
  test("the listener completes and is recorded; no crash, no leaked timers", async () => {
    const receiver = provider.create({ dispatchTimeoutMs: 600 });
    receivers.push(receiver);
    const gates: Deferred[] = [];
    const finished: unknown[] = [];
    receiver.onAny(async (event) => {
      const gate = deferred();
      gates.push(gate);
      await gate.promise;
      finished.push(event.id);
    });
    live = await listen({ [provider.path]: receiver.router });
    // Warm up through the dispatch timeout path once, then take the baseline.
    const warmUp = await post(live.port, provider.path, provider.delivery());
    expect(warmUp.status).toBe(provider.resends ? 503 : 200);
    gates[0]!.resolve();
    await until("the warm-up to finish", () => finished.length === 1);
    await until("the warm-up connection to close", async () => (await connections()) === 0);
    const baseline = timers.pending();

    const d1 = provider.delivery();
    const d2 = provider.delivery();
    const s1 = await sendAndLeave(live.port, provider.path, d1);
    const s2 = await sendAndLeave(live.port, provider.path, d2);
    await until("both listeners to start", () => gates.length === 3);
    // The tracker sees the library's timers: the dispatch timeouts are pending now.
    expect(timers.since(baseline).filter((t) => t.startsWith("setTimeout(600)")).length).toBeGreaterThanOrEqual(1);
    // One client leaves before the dispatch timeout, the other after it: either way the
    // answer goes nowhere, and the listeners run on.
    s1.destroy();
    await sleep(700);
    s2.destroy();
    gates[1]!.resolve();
    gates[2]!.resolve();
    await until("both to finish", () => finished.length === 3);
    await until("the connections to close", async () => (await connections()) === 0);
    expect(timers.since(baseline)).toEqual([]);

    if (provider.name !== "oksky") {
      // Recorded done: the provider's resend is a duplicate, not a second dispatch.
      for (const d of [d1, d2]) expect((await post(live.port, provider.path, d)).body).toEqual({ ok: true, duplicate: true });
    }
    expect(finished).toHaveLength(3);
  });
});

describe("with a SqliteInbox", () => {
  test("a client gone while its listener runs: the record ends done, and the resend is a duplicate", async () => {
    const misskey = providerCases.find((p) => p.name === "misskey")!;
    const inbox = new SqliteInbox({ path: join(dir, "inbox.sqlite") });
    inboxes.push(inbox);
    const receiver = misskey.create({ dispatchTimeoutMs: 200, inbox: { store: inbox, pollIntervalMs: 20 } });
    receivers.push(receiver);
    const gate = deferred();
    let calls = 0;
    receiver.onAny(async () => {
      calls += 1;
      await gate.promise;
    });
    live = await listen({ [misskey.path]: receiver.router });
    const d = misskeyDelivery("note", { secret: SECRET });
    const socket = await sendAndLeave(live.port, misskey.path, d);
    await until("the listener to start", () => calls === 1);
    socket.destroy();
    expect(await inbox.counts()).toEqual({ pending: 1, failed: 0, done: 0 });
    await sleep(300);
    gate.resolve();
    await until("the record to be done", async () => (await inbox.counts()).done === 1);
    expect((await inbox.get(`misskey:${d.payload.eventId}`))?.status).toBe("done");
    expect((await post(live.port, misskey.path, d)).body).toEqual({ ok: true, duplicate: true });
    expect(calls).toBe(1);
  });
});
