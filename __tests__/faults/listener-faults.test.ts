import { MemoryInbox } from "../../lib/inbox/memory.js";
import { deferred } from "../fixtures/test-receiver.js";
import { providerCases, SECRET, type AnyReceiver } from "./providers.js";
import { errorLog, listen, post, sleep, until, type LiveServer } from "./support.js";

// Listeners that throw or never finish, behind a real socket: each provider answers as
// the README's answer policy says, and nothing acknowledged is lost.
let live: LiveServer | undefined;
const receivers: AnyReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close({ timeoutMs: 50 })));
  await live?.close();
  live = undefined;
});

async function mount(receiver: AnyReceiver, path: string): Promise<number> {
  receivers.push(receiver);
  live = await listen({ [path]: receiver.router });
  return live.port;
}

describe.each(providerCases)("$name: a listener that throws", (provider) => {
  test(provider.resends ? "500 handler_failed, and the resend is dispatched again" : "200, and onError gets the whole event", async () => {
    const receiver = provider.create({});
    const log = errorLog();
    receiver.onError(log.listener);
    const seen: unknown[] = [];
    let calls = 0;
    receiver.onAny((event) => {
      calls += 1;
      // The first attempt fails with something secret-looking in its message.
      if (calls === 1) throw new Error(`database refused password ${SECRET}-db`);
      seen.push(event.payload);
    });
    const port = await mount(receiver, provider.path);
    const d = provider.delivery();

    const first = await post(port, provider.path, d);
    expect(JSON.stringify(first.body)).not.toContain(SECRET);
    expect(log.codes()).toEqual(["handler_failed"]);
    const reported = log.errors[0]!;
    expect(reported.event?.payload).toEqual(d.payload);
    expect(reported.errors).toHaveLength(1);
    if (provider.resends) {
      expect(first.status).toBe(500);
      expect(first.body).toMatchObject({ error: "handler_failed" });
      // The provider resends the same delivery: released, so dispatched again.
      const resend = await post(port, provider.path, d);
      expect(resend.status).toBe(200);
      expect(resend.body).toEqual({ ok: true });
      expect(seen).toEqual([d.payload]);
    } else {
      expect(first.status).toBe(200);
      expect(seen).toEqual([]);
    }
  });

  test("a listener that rejects with a non-Error, or throws synchronously among others, is answered the same", async () => {
    const receiver = provider.create({});
    const log = errorLog();
    receiver.onError(log.listener);
    const ran: string[] = [];
    receiver.onAny(() => {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a listener throwing a non-Error is the case under test
      throw "a string";
    });
    receiver.onAny(async () => {
      await sleep(5);
      ran.push("slow sibling");
    });
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- rejecting with undefined is the case under test
    receiver.onAny(() => Promise.reject(undefined));
    const port = await mount(receiver, provider.path);
    const answer = await post(port, provider.path, provider.delivery());
    expect(answer.status).toBe(provider.resends ? 500 : 200);
    // Siblings of a failing listener still run to the end before the answer.
    expect(ran).toEqual(["slow sibling"]);
    expect(log.errors.map((e) => [e.code, e.errors?.length])).toEqual([["handler_failed", 2]]);
  });
});

describe.each(providerCases)("$name: a listener that hangs", (provider) => {
  test(`answered at dispatchTimeoutMs (${provider.resends ? "503 dispatch_timeout" : "200"}); close() is bounded; later deliveries get 503 shutting_down`, async () => {
    const receiver = provider.create({ dispatchTimeoutMs: 300 });
    const log = errorLog();
    receiver.onError(log.listener);
    let started = 0;
    receiver.onAny(() => {
      started += 1;
      return new Promise(() => {}); // never settles
    });
    const port = await mount(receiver, provider.path);

    const answer = await post(port, provider.path, provider.delivery());
    expect(answer.ms).toBeGreaterThanOrEqual(290);
    expect(answer.ms).toBeLessThan(2000);
    if (provider.resends) {
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ error: "dispatch_timeout" });
    } else {
      expect(answer.status).toBe(200);
    }
    expect(log.codes()).toEqual(["dispatch_timeout"]);
    expect(log.errors[0]!.event).toBeDefined();

    const closing = Date.now();
    await receiver.close({ timeoutMs: 400 });
    const took = Date.now() - closing;
    expect(took).toBeGreaterThanOrEqual(390);
    expect(took).toBeLessThan(1500);

    const after = await post(port, provider.path, provider.delivery());
    expect(after.status).toBe(503);
    expect(after.body).toMatchObject({ error: "shutting_down" });
    expect(started).toBe(1);
  });
});

describe("a listener that outlives the answer", () => {
  const misskey = providerCases.find((p) => p.name === "misskey")!;
  const oksky = providerCases.find((p) => p.name === "oksky")!;

  test("Misskey: the default timeout answers 503 before Misskey's own 5 s", async () => {
    const receiver = misskey.create({});
    const gate = deferred();
    receiver.onAny(() => gate.promise);
    const port = await mount(receiver, misskey.path);
    const answer = await post(port, misskey.path, misskey.delivery());
    gate.resolve();
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeGreaterThanOrEqual(3990);
    expect(answer.ms).toBeLessThan(5000);
  }, 10_000);

  test("Misskey: once it succeeds, the resend is a duplicate; once it fails, the resend is dispatched again", async () => {
    const receiver = misskey.create({ dispatchTimeoutMs: 100 });
    const gates = [deferred(), deferred(), deferred()];
    let calls = 0;
    receiver.onAny(() => gates[calls++]!.promise);
    const port = await mount(receiver, misskey.path);

    const ok = misskey.delivery();
    expect((await post(port, misskey.path, ok)).status).toBe(503);
    // A resend while the first still runs: come back later, no second dispatch.
    expect((await post(port, misskey.path, ok)).body).toMatchObject({ error: "delivery_in_progress" });
    gates[0]!.resolve();
    await until("the first listener to be recorded done", async () => (await post(port, misskey.path, ok)).status === 200);
    expect((await post(port, misskey.path, ok)).body).toEqual({ ok: true, duplicate: true });

    const failing = misskey.delivery();
    expect((await post(port, misskey.path, failing)).status).toBe(503);
    gates[1]!.reject(new Error("late failure"));
    await sleep(20);
    gates[2]!.resolve();
    const resend = await post(port, misskey.path, failing);
    expect(resend.status).toBe(200);
    expect(resend.body).toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  test("OK SKY: a late failure goes to onError with the event", async () => {
    const receiver = oksky.create({ dispatchTimeoutMs: 100 });
    const log = errorLog();
    receiver.onError(log.listener);
    const gate = deferred();
    receiver.onAny(() => gate.promise);
    const port = await mount(receiver, oksky.path);
    const d = oksky.delivery();
    expect((await post(port, oksky.path, d)).status).toBe(200);
    gate.reject(new Error("late"));
    await until("the late failure to be reported", () => log.codes().includes("handler_failed"));
    expect(log.codes()).toEqual(["dispatch_timeout", "handler_failed"]);
    expect(log.errors[1]!.event?.payload).toEqual(d.payload);
  });

  test.each(providerCases)(
    "$name with an inbox: 200 at the timeout, and the record ends done when the listener finishes",
    async (provider) => {
      const store = new MemoryInbox();
      const receiver = provider.create({ dispatchTimeoutMs: 150, inbox: { store, pollIntervalMs: 20 } });
      const gate = deferred();
      receiver.onAny(() => gate.promise);
      const port = await mount(receiver, provider.path);
      const answer = await post(port, provider.path, provider.delivery());
      expect(answer.status).toBe(200);
      expect(answer.ms).toBeGreaterThanOrEqual(140);
      expect(await store.counts()).toEqual({ pending: 1, failed: 0, done: 0 });
      gate.resolve();
      await until("the record to be done", async () => (await store.counts()).done === 1);
      expect(await store.counts()).toEqual({ pending: 0, failed: 0, done: 1 });
    },
  );
});
