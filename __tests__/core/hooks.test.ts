import { compileHooks, type ReceiverHooks } from "../../lib/core/hooks.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { createMisskeyReceiver, createOkskyReceiver } from "../../lib/index.js";
import { misskeyDelivery, okskyDelivery } from "../../lib/testing/index.js";
import { recordingLogger } from "../fixtures/test-receiver.js";

function recorder() {
  const calls: { hook: string; info: Record<string, unknown> }[] = [];
  const hook = (name: string) => (info: object) => void calls.push({ hook: name, info: info as Record<string, unknown> });
  const hooks: ReceiverHooks = {
    onRequest: hook("onRequest"),
    onRejected: hook("onRejected"),
    onVerified: hook("onVerified"),
    onDispatched: hook("onDispatched"),
    onFailed: hook("onFailed"),
    onResponse: hook("onResponse"),
  };
  return { calls, hooks };
}

test("a delivery goes through onRequest → onVerified → onDispatched → onResponse, with one attempt token", async () => {
  const { calls, hooks } = recorder();
  const misskey = createMisskeyReceiver({ secret: "s", hooks });
  misskey.on("note", () => {});
  const d = misskeyDelivery("note", { secret: "s" });
  await misskey.receive(d);
  expect(calls.map((c) => c.hook)).toEqual(["onRequest", "onVerified", "onDispatched", "onResponse"]);
  expect(new Set(calls.map((c) => c.info["attempt"])).size).toBe(1);
  expect(calls[1]!.info).toMatchObject({ provider: "misskey", event: "note", known: true, deliveryId: d.payload.eventId });
  expect(calls[3]!.info).toMatchObject({ status: 200, outcome: "ok", event: "note", deliveryId: d.payload.eventId });
  for (const call of calls.slice(1)) expect(call.info["durationMs"]).toEqual(expect.any(Number));

  await misskey.receive(d);
  expect(calls.at(-1)!.info).toMatchObject({ status: 200, outcome: "duplicate" });
});

test("refusals reach onRejected with their code; listener failures reach onFailed", async () => {
  const { calls, hooks } = recorder();
  const misskey = createMisskeyReceiver({ secret: "s", hooks });
  misskey.on("note", () => {
    throw new Error("boom");
  });
  await misskey.receive(misskeyDelivery("note", { secret: "wrong" }));
  expect(calls.map((c) => c.hook)).toEqual(["onRequest", "onRejected", "onResponse"]);
  expect(calls[1]!.info).toMatchObject({ code: "signature_mismatch", status: 401 });
  calls.length = 0;
  await misskey.receive(misskeyDelivery("note", { secret: "s" }));
  expect(calls.map((c) => c.hook)).toEqual(["onRequest", "onVerified", "onFailed", "onResponse"]);
  expect(calls[2]!.info).toMatchObject({ code: "handler_failed", event: "note", retry: false });
  expect(calls[3]!.info).toMatchObject({ status: 500, outcome: "handler_failed" });
});

test("OK SKY's 200 still tells the hooks what really happened", async () => {
  const { calls, hooks } = recorder();
  const oksky = createOkskyReceiver({ secret: "s", hooks });
  oksky.on("Message.create", () => {
    throw new Error("boom");
  });
  await oksky.receive(okskyDelivery("Message.create", { secret: "s" }));
  expect(calls.at(-1)!.info).toMatchObject({ status: 200, outcome: "handler_failed" });
});

test("a hook that throws never changes the answer, and is logged", async () => {
  const logger = recordingLogger();
  const angry = () => {
    throw new Error("hook bug");
  };
  const misskey = createMisskeyReceiver({
    secret: "s",
    logger,
    hooks: { onRequest: angry, onVerified: angry, onDispatched: angry, onResponse: angry, aroundListener: angry },
  });
  const seen: string[] = [];
  misskey.on("note", (e) => void seen.push(e.name));
  const response = await misskey.receive(misskeyDelivery("note", { secret: "s" }));
  expect(response.status).toBe(200);
  expect(seen).toEqual(["note"]);
  expect(logger.calls.filter((c) => c.level === "error").length).toBeGreaterThanOrEqual(4);
});

test("aroundListener wraps each listener; several hook sets compose, outermost first", async () => {
  const order: string[] = [];
  const wrap = (name: string): ReceiverHooks => ({
    aroundListener(info, call) {
      order.push(`${name}:before:${info.index}`);
      const result = call();
      order.push(`${name}:after`);
      return result;
    },
  });
  const misskey = createMisskeyReceiver({ secret: "s", hooks: [wrap("outer"), wrap("inner")] });
  misskey.on("note", () => void order.push("listener"));
  await misskey.receive(misskeyDelivery("note", { secret: "s" }));
  expect(order).toEqual(["outer:before:0", "inner:before:0", "listener", "inner:after", "outer:after"]);
});

test("a listener's own error is not hidden by an aroundListener that swallows it", async () => {
  const misskey = createMisskeyReceiver({
    secret: "s",
    hooks: {
      aroundListener(_info, call) {
        try {
          return call();
        } catch {
          return undefined;
        }
      },
    },
  });
  misskey.on("note", () => {
    throw new Error("listener fails");
  });
  expect((await misskey.receive(misskeyDelivery("note", { secret: "s" }))).status).toBe(500);
});

test("inbox retries are reported with retry: true and a token of their own", async () => {
  const { calls, hooks } = recorder();
  const misskey = createMisskeyReceiver({ secret: "s", hooks, inbox: { store: new MemoryInbox(), pollIntervalMs: 5, backoffMs: 5 } });
  let first = true;
  misskey.on("note", () => {
    if (first) {
      first = false;
      throw new Error("once");
    }
  });
  await misskey.receive(misskeyDelivery("note", { secret: "s" }));
  const end = Date.now() + 2000;
  while (!calls.some((c) => c.hook === "onDispatched") && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  await misskey.close();
  const dispatched = calls.find((c) => c.hook === "onDispatched")!;
  expect(dispatched.info).toMatchObject({ retry: true, event: "note" });
  expect(dispatched.info["attempt"]).not.toBe(calls[0]!.info["attempt"]);
});

test("no hooks compile to nothing", () => {
  expect(compileHooks(undefined, undefined)).toBeUndefined();
  expect(compileHooks([{}, {}], undefined)).toBeUndefined();
});

test("two retries taken in one poll each get a token of their own", async () => {
  const { calls, hooks } = recorder();
  const inbox = new MemoryInbox();
  const misskey = createMisskeyReceiver({
    secret: "s",
    hooks,
    inbox: { store: inbox, pollIntervalMs: 1000, backoffMs: 1, maxBackoffMs: 1 },
  });
  const failedOnce = new Set<string>();
  misskey.on("note", (e) => {
    if (!failedOnce.has(e.id)) {
      failedOnce.add(e.id);
      throw new Error("once");
    }
  });
  await misskey.receive(misskeyDelivery("note", { secret: "s" }));
  await misskey.receive(misskeyDelivery("note", { secret: "s" }));
  await new Promise((r) => setTimeout(r, 20));
  await misskey.replay([]); // requeues nothing, runs one poll now
  await misskey.close();
  const retries = calls.filter((c) => c.hook === "onDispatched" && c.info["retry"] === true);
  expect(retries).toHaveLength(2);
  expect(retries[0]!.info["attempt"]).not.toBe(retries[1]!.info["attempt"]);
});
