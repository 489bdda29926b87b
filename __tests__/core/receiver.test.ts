import { PassThrough } from "node:stream";
import { inspect } from "node:util";
import { isWebhookError, type WebhookError } from "../../lib/core/errors.js";
import type { ReceiverOptions } from "../../lib/core/options.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { MemoryStore } from "../../lib/stores/memory.js";
import type { DedupeStore } from "../../lib/stores/types.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { bodyOf, deferred, recordingLogger, settle } from "../fixtures/test-receiver.js";

const SECRET = "Sup3r-Secret-Hook-Value";

function misskey(options: ReceiverOptions = {}) {
  const errors: WebhookError[] = [];
  const receiver = createMisskeyReceiver({ secret: SECRET, ...options }).onError((error) => {
    errors.push(error);
  });
  return { receiver, errors };
}

const note = () => misskeyDelivery("note", { secret: SECRET });

describe("refusals before dispatch", () => {
  test.each(["GET", "PUT", "DELETE", "HEAD", "get"])("%s → 405 with Allow: POST", async (method) => {
    const { receiver } = misskey();
    const response = await receiver.receive({ ...note(), method });
    expect(response.status).toBe(405);
    expect(response.headers["allow"]).toBe("POST");
    expect(bodyOf(response)).toMatchObject({ error: "method_not_allowed" });
  });

  test("a lower-case post is a POST", async () => {
    const { receiver } = misskey();
    expect((await receiver.receive({ ...note(), method: "post" })).status).toBe(200);
  });

  test("an unsupported content type → 415, checked before the body is read", async () => {
    const { receiver } = misskey();
    const stream = new PassThrough();
    const delivery = note();
    const response = await receiver.receive({
      method: "POST",
      headers: { ...delivery.headers, "content-type": "application/xml" },
      stream,
    });
    expect(response.status).toBe(415);
    expect(bodyOf(response)).toMatchObject({ error: "unsupported_media_type" });
    expect(stream.listenerCount("data")).toBe(0);
  });

  test("a form body is 415 for a JSON-only provider", async () => {
    const { receiver } = misskey();
    const response = await receiver.receive({
      ...note(),
      headers: { ...note().headers, "content-type": "application/x-www-form-urlencoded" },
    });
    expect(response.status).toBe(415);
  });

  test("a body over the limit → 413", async () => {
    const { receiver } = misskey({ limit: 100 });
    const response = await receiver.receive(note());
    expect(response.status).toBe(413);
    expect(bodyOf(response)).toMatchObject({ error: "body_too_large" });
  });

  test("a streamed body over the limit → 413", async () => {
    const { receiver } = misskey({ limit: 100 });
    const delivery = note();
    const stream = new PassThrough();
    const pending = receiver.receive({ method: "POST", headers: delivery.headers, stream });
    stream.write(delivery.body);
    expect((await pending).status).toBe(413);
    stream.destroy();
  });

  test.each<[string, string | Buffer | undefined]>([
    ["an empty string", ""],
    ["an empty buffer", Buffer.alloc(0)],
    ["no body and no stream", undefined],
  ])("%s → 400 malformed_body", async (_what, body) => {
    const { receiver } = misskey();
    const response = await receiver.receive({ method: "POST", headers: note().headers, body });
    expect(response.status).toBe(400);
    expect(bodyOf(response)).toMatchObject({ error: "malformed_body", message: "The request body is empty." });
  });

  test("invalid JSON → 400 malformed_body", async () => {
    const { receiver } = misskey();
    const response = await receiver.receive({ method: "POST", headers: note().headers, body: "{oops" });
    expect(response.status).toBe(400);
    expect(bodyOf(response)["error"]).toBe("malformed_body");
  });

  test("answers are short JSON, never cached", async () => {
    const { receiver } = misskey();
    const response = await receiver.receive({ ...note(), method: "GET" });
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.headers["cache-control"]).toBe("no-store");
    expect(Object.keys(bodyOf(response)).sort()).toEqual(["error", "message"]);
  });
});

describe("bodies in every form receive() takes", () => {
  test("a Buffer, a Uint8Array view, a string and a stream", async () => {
    const { receiver } = misskey();
    const seen: string[] = [];
    receiver.on("note", (e) => {
      seen.push(e.id);
    });
    const a = note();
    const b = note();
    const c = note();
    const d = note();
    await receiver.receive({ ...a, body: Buffer.from(a.body) });
    const bytes = Buffer.from(`xx${b.body as string}`);
    await receiver.receive({ ...b, body: new Uint8Array(bytes.buffer, bytes.byteOffset + 2, bytes.length - 2) });
    await receiver.receive(c);
    const stream = new PassThrough();
    const pending = receiver.receive({ method: "POST", headers: d.headers, stream });
    stream.end(d.body);
    expect((await pending).status).toBe(200);
    expect(seen).toEqual([a, b, c, d].map((x) => x.payload.eventId));
  });

  test("a string body was decoded already: its charset parameter is not applied again", async () => {
    const { receiver } = misskey();
    const delivery = misskeyDelivery("note", { secret: SECRET, overrides: { body: { note: { text: "日本語" } } } });
    let text: string | null | undefined;
    receiver.on("note", (e) => {
      text = e.payload.body.note.text;
    });
    const response = await receiver.receive({
      ...delivery,
      headers: { ...delivery.headers, "content-type": "application/json; charset=shift_jis" },
    });
    expect(response.status).toBe(200);
    expect(text).toBe("日本語");
  });

  test("an object another middleware parsed is used as it is", async () => {
    const { receiver } = misskey();
    const delivery = note();
    const listener = jest.fn();
    receiver.on("note", listener);
    const response = await receiver.receive({ ...delivery, body: JSON.parse(delivery.body as string) as object });
    expect(response.status).toBe(200);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe("listeners", () => {
  test("on(name) gets only its event; onAny gets every event, known or not", async () => {
    const { receiver } = misskey();
    const notes = jest.fn();
    const all: { name: string; known: boolean }[] = [];
    receiver.on("note", notes).onAny((e) => {
      all.push({ name: e.name, known: e.known });
    });
    await receiver.receive(note());
    await receiver.receive(misskeyDelivery("follow", { secret: SECRET }));
    const unknown = misskeyDelivery("note", { secret: SECRET, overrides: { type: "noteEdited" } });
    expect((await receiver.receive(unknown)).status).toBe(200);
    expect(notes).toHaveBeenCalledTimes(1);
    expect(all).toEqual([
      { name: "note", known: true },
      { name: "follow", known: true },
      { name: "noteEdited", known: false },
    ]);
  });

  test("an unknown event with no onAny listener is still acknowledged", async () => {
    const { receiver } = misskey();
    const response = await receiver.receive(misskeyDelivery("note", { secret: SECRET, overrides: { type: "somethingNew" } }));
    expect(response.status).toBe(200);
  });

  test("on() of an event the provider does not have throws", () => {
    const { receiver } = misskey();
    // @ts-expect-error: not a Misskey event
    expect(() => receiver.on("nonexistent", () => {})).toThrow(/misskey has no event "nonexistent"; use onAny\(\)/);
    // @ts-expect-error: one bad name in a list
    expect(() => receiver.on(["note", "bogus"], () => {})).toThrow(TypeError);
  });

  test("off(name, fn) removes it from that name only", async () => {
    const { receiver } = misskey();
    const listener = jest.fn();
    receiver.on(["note", "reply"], listener);
    receiver.off("note", listener);
    await receiver.receive(note());
    await receiver.receive(misskeyDelivery("reply", { secret: SECRET }));
    expect(listener).toHaveBeenCalledTimes(1);
    expect((listener.mock.calls[0]![0] as { name: string }).name).toBe("reply");
  });

  test("off(fn) removes it everywhere, onAny and onError included", async () => {
    const { receiver } = misskey();
    const listener = jest.fn();
    const onError = jest.fn();
    receiver.on(["note", "reply"], listener).onAny(listener).onError(onError);
    receiver.off(listener).off(onError);
    await receiver.receive(note());
    await receiver.receive(misskeyDelivery("reply", { secret: SECRET }));
    await receiver.receive({ ...note(), method: "GET" });
    expect(listener).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
  });

  test("the same function added twice runs once", async () => {
    const { receiver } = misskey();
    const listener = jest.fn();
    receiver.on("note", listener).on("note", listener);
    await receiver.receive(note());
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test("a throwing listener → 500 handler_failed; onError gets errors and event", async () => {
    const { receiver, errors } = misskey();
    const failure = new Error("db down");
    receiver.on("note", () => {
      throw failure;
    });
    const delivery = note();
    const response = await receiver.receive(delivery);
    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({ error: "handler_failed", message: 'A listener failed for "note".' });
    expect(response.body).not.toContain("db down");
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(isWebhookError(error)).toBe(true);
    expect(error!.code).toBe("handler_failed");
    expect(error!.provider).toBe("misskey");
    expect(error!.errors).toEqual([failure]);
    expect(error!.cause).toBe(failure);
    expect(error!.event?.name).toBe("note");
    expect(error!.event?.id).toBe(delivery.payload.eventId);
  });

  test("listeners run concurrently; one failing fails the delivery", async () => {
    const { receiver, errors } = misskey();
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    gates.forEach((gate, index) =>
      receiver.on("note", async () => {
        started.push(index);
        await gate.promise;
      }),
    );
    const pending = receiver.receive(note());
    await settle();
    // All three started before any finished.
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    gates[1]!.reject(new Error("second failed"));
    gates[2]!.resolve();
    const response = await pending;
    expect(response.status).toBe(500);
    expect(errors[0]!.errors).toHaveLength(1);
    expect((errors[0]!.errors![0] as Error).message).toBe("second failed");
  });

  test("several failures are one error listing each", async () => {
    const { receiver, errors } = misskey();
    receiver.on("note", () => Promise.reject(new Error("a")));
    receiver.onAny(() => {
      throw new Error("b");
    });
    const response = await receiver.receive(note());
    expect(bodyOf(response)["message"]).toBe('2 listeners failed for "note".');
    expect((errors[0]!.errors as Error[]).map((e) => e.message).sort()).toEqual(["a", "b"]);
  });

  test("a failed delivery is dispatched again on resend; a succeeded one is not", async () => {
    const { receiver } = misskey();
    let calls = 0;
    receiver.on("note", () => {
      calls++;
      if (calls === 1) throw new Error("first try fails");
    });
    const delivery = note();
    expect((await receiver.receive(delivery)).status).toBe(500);
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true}');
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true,"duplicate":true}');
    expect(calls).toBe(2);
  });
});

describe("slow listeners", () => {
  test("dispatch timeout → 503 dispatch_timeout before the listener finishes; its later success marks the delivery done", async () => {
    const { receiver, errors } = misskey({ dispatchTimeoutMs: 50 });
    const gate = deferred();
    const order: string[] = [];
    receiver.on("note", async () => {
      order.push("listener started");
      await gate.promise;
      order.push("listener finished");
    });
    const delivery = note();
    const response = await receiver.receive(delivery);
    order.push(`answered ${response.status}`);
    expect(response.status).toBe(503);
    expect(response.headers["retry-after"]).toBe("30");
    expect(bodyOf(response)["error"]).toBe("dispatch_timeout");
    expect(errors.map((e) => e.code)).toEqual(["dispatch_timeout"]);
    expect(errors[0]!.event?.id).toBe(delivery.payload.eventId);

    // A resend while it still runs is told to come back later.
    const early = await receiver.receive(delivery);
    expect(early.status).toBe(503);
    expect(bodyOf(early)["error"]).toBe("delivery_in_progress");

    gate.resolve();
    await settle();
    expect(order).toEqual(["listener started", "answered 503", "listener finished"]);
    const resend = await receiver.receive(delivery);
    expect(resend.status).toBe(200);
    expect(resend.body).toBe('{"ok":true,"duplicate":true}');
    expect(order.filter((step) => step === "listener started")).toHaveLength(1);
  });

  test("a timed-out listener that later fails is reported, and the resend is dispatched again", async () => {
    const { receiver, errors } = misskey({ dispatchTimeoutMs: 50 });
    const gate = deferred();
    let calls = 0;
    receiver.on("note", async () => {
      calls++;
      if (calls === 1) await gate.promise;
    });
    const delivery = note();
    expect((await receiver.receive(delivery)).status).toBe(503);
    gate.reject(new Error("late failure"));
    await settle();
    expect(errors.map((e) => e.code)).toEqual(["dispatch_timeout", "handler_failed"]);
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true}');
    expect(calls).toBe(2);
  });

  test('ack "immediate" answers 200 before the listener completes and reports its failure to onError', async () => {
    const { receiver, errors } = misskey({ ack: "immediate" });
    const gate = deferred();
    const order: string[] = [];
    receiver.on("note", async () => {
      order.push("listener started");
      await gate.promise;
      order.push("listener failing");
      throw new Error("late");
    });
    const delivery = note();
    const response = await receiver.receive(delivery);
    order.push(`answered ${response.status}`);
    expect(response.body).toBe('{"ok":true}');
    expect(errors).toHaveLength(0);
    gate.resolve();
    await settle();
    expect(order).toEqual(["listener started", "answered 200", "listener failing"]);
    expect(errors.map((e) => e.code)).toEqual(["handler_failed"]);
    // Released: Misskey will not resend a 200, but a replay by hand is dispatched again.
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true}');
  });

  test('ack "immediate" with a succeeding listener marks the delivery done', async () => {
    const { receiver } = misskey({ ack: "immediate" });
    const listener = jest.fn(async () => {});
    receiver.on("note", listener);
    const delivery = note();
    await receiver.receive(delivery);
    await settle();
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true,"duplicate":true}');
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test("a second delivery while the first is still processing → 503 delivery_in_progress", async () => {
    const { receiver } = misskey();
    const gate = deferred();
    const listener = jest.fn(() => gate.promise);
    receiver.on("note", listener);
    const delivery = note();
    const first = receiver.receive(delivery);
    await settle();
    const second = await receiver.receive(delivery);
    expect(second.status).toBe(503);
    expect(bodyOf(second)).toMatchObject({ error: "delivery_in_progress" });
    expect(second.headers["retry-after"]).toBe("30");
    gate.resolve();
    expect((await first).status).toBe(200);
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true,"duplicate":true}');
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe("onError listeners that fail", () => {
  let unhandled: unknown[];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  beforeEach(() => {
    unhandled = [];
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  test("one that throws or rejects changes no answer and crashes nothing", async () => {
    const logger = recordingLogger();
    const receiver = createMisskeyReceiver({ secret: SECRET, logger })
      .onError(() => {
        throw new Error("sync boom");
      })
      .onError(async () => {
        throw new Error("async boom");
      });
    const after = jest.fn();
    receiver.onError(after);
    receiver.on("note", () => {
      throw new Error("listener");
    });
    expect((await receiver.receive({ ...note(), headers: { ...note().headers, "x-misskey-hook-secret": "wrong" } })).status).toBe(401);
    expect((await receiver.receive(note())).status).toBe(500);
    expect((await receiver.receive({ ...note(), method: "PUT" })).status).toBe(405);
    await settle();
    await settle();
    // Later listeners still ran.
    expect(after).toHaveBeenCalledTimes(3);
    expect(unhandled).toEqual([]);
    const messages = logger.calls.map((call) => call.args[1]);
    expect(messages.filter((m) => m === "An onError listener threw.")).toHaveLength(3);
    expect(messages.filter((m) => m === "An onError listener rejected.")).toHaveLength(3);
  });

  test("without a logger, a rejecting onError listener is still contained", async () => {
    const receiver = createMisskeyReceiver({ secret: SECRET }).onError(() => Promise.reject(new Error("nobody listens")));
    expect((await receiver.receive({ ...note(), method: "GET" })).status).toBe(405);
    await settle();
    expect(unhandled).toEqual([]);
  });

  test("a logger that throws changes no answer", async () => {
    const logger = {
      warn: () => {
        throw new Error("log sink full");
      },
      error: () => {
        throw new Error("log sink full");
      },
    };
    const receiver = createMisskeyReceiver({ secret: SECRET, logger });
    receiver.on("note", () => {
      throw new Error("x");
    });
    expect((await receiver.receive({ ...note(), method: "GET" })).status).toBe(405);
    expect((await receiver.receive(note())).status).toBe(500);
  });
});

describe("logging and secrecy", () => {
  const WRONG = "Guessed-Wrong-Secret-Value";

  function refusals() {
    const delivery = note();
    return [
      { ...delivery, method: "GET" },
      { ...delivery, headers: { ...delivery.headers, "x-misskey-hook-secret": WRONG } },
      { ...delivery, headers: { ...delivery.headers, "x-misskey-hook-secret": undefined } },
      { ...delivery, headers: { ...delivery.headers, "content-type": "image/png" } },
      { ...delivery, body: "{" },
      { ...delivery, body: "" },
      { ...delivery, body: "x".repeat(5000) },
      misskeyDelivery("note", { secret: SECRET, overrides: { eventId: "" } }),
      misskeyDelivery("note", { secret: SECRET, rawOverrides: { body: { note: { id: 42 } } } }),
    ];
  }

  test("one warn line per refusal, with code and status, never the secret", async () => {
    const logger = recordingLogger();
    const receiver = createMisskeyReceiver({ secret: SECRET, logger, limit: 4096 });
    const statuses: number[] = [];
    for (const request of refusals()) statuses.push((await receiver.receive(request)).status);
    expect(statuses).toEqual([405, 401, 401, 415, 400, 400, 413, 400, 400]);
    expect(logger.calls.map((call) => call.level)).toEqual(statuses.map(() => "warn"));
    const codes = logger.calls.map((call) => call.args[0] as { code: string; status: number; provider: string });
    expect(codes.map((fields) => fields.status)).toEqual(statuses);
    expect(codes.map((fields) => fields.code)).toEqual([
      "method_not_allowed",
      "signature_mismatch",
      "signature_missing",
      "unsupported_media_type",
      "malformed_body",
      "malformed_body",
      "body_too_large",
      "invalid_envelope",
      "invalid_payload",
    ]);
    expect(codes.every((fields) => fields.provider === "misskey")).toBe(true);
    for (const call of logger.calls) expect(typeof call.args[1]).toBe("string");
    const logged = inspect(logger.calls, { depth: null, showHidden: true });
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain(WRONG);
  });

  test("failures (5xx) are logged at error with the cause, never the secret", async () => {
    const logger = recordingLogger();
    const receiver = createMisskeyReceiver({ secret: SECRET, logger });
    const failure = new Error("listener broke");
    receiver.on("note", () => {
      throw failure;
    });
    const delivery = note();
    await receiver.receive(delivery);
    expect(logger.calls).toHaveLength(1);
    expect(logger.calls[0]!.level).toBe("error");
    expect(logger.calls[0]!.args[0]).toMatchObject({
      code: "handler_failed",
      status: 500,
      event: "note",
      deliveryId: delivery.payload.eventId,
      err: failure,
    });
    expect(inspect(logger.calls, { depth: null, showHidden: true })).not.toContain(SECRET);
  });

  test("response bodies and onError errors never hold the secret", async () => {
    const { receiver, errors } = misskey({ limit: 4096 });
    receiver.on("note", () => {
      throw new Error("fail");
    });
    const bodies: string[] = [];
    for (const request of [...refusals(), note()]) {
      const response = await receiver.receive(request);
      bodies.push(response.body, JSON.stringify(response.headers));
    }
    expect(bodies.join("\n")).not.toContain(SECRET);
    expect(bodies.join("\n")).not.toContain(WRONG);
    expect(errors).toHaveLength(10);
    const reported = inspect(
      errors.map((e) => ({ message: e.message, event: e.event, payload: e.payload, headers: e.headers })),
      { depth: null },
    );
    expect(reported).not.toContain(SECRET);
    expect(reported).not.toContain(WRONG);
  });
});

describe("dedupe store failures", () => {
  const failing = (overrides: Partial<DedupeStore>): DedupeStore => {
    const base = new MemoryStore();
    return {
      get: (key) => base.get(key),
      set: (key, value, options) => base.set(key, value, options),
      delete: (key) => base.delete(key),
      ...overrides,
    };
  };

  test("a store that throws → 503 store_unavailable, and the listener does not run", async () => {
    const store = failing({ set: () => Promise.reject(new Error("ECONNREFUSED 10.0.0.5:6379")) });
    const { receiver, errors } = misskey({ dedupe: store });
    const listener = jest.fn();
    receiver.on("note", listener);
    const response = await receiver.receive(note());
    expect(response.status).toBe(503);
    expect(bodyOf(response)["error"]).toBe("store_unavailable");
    expect(response.body).not.toContain("ECONNREFUSED");
    expect(listener).not.toHaveBeenCalled();
    expect((errors[0]!.cause as Error).message).toContain("ECONNREFUSED");
  });

  test("a store whose get throws after a lost claim → 503", async () => {
    const store = failing({ set: async () => false, get: () => Promise.reject(new Error("timeout")) });
    const { receiver } = misskey({ dedupe: store });
    expect((await receiver.receive(note())).status).toBe(503);
  });

  test("a claim lost to a key that vanished before the read is claimed once more", async () => {
    let sets = 0;
    const store = failing({ set: async () => ++sets > 1, get: async () => undefined });
    const { receiver } = misskey({ dedupe: store });
    const listener = jest.fn();
    receiver.on("note", listener);
    expect((await receiver.receive(note())).status).toBe(200);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test("a store that fails to record completion is reported, the answer stays 200", async () => {
    const store = failing({
      set: async (key, value, options) => {
        if (value === "done") throw new Error("write failed");
        return new MemoryStore().set(key, value, options);
      },
    });
    const { receiver, errors } = misskey({ dedupe: store });
    receiver.on("note", () => {});
    expect((await receiver.receive(note())).status).toBe(200);
    expect(errors.map((e) => e.code)).toEqual(["store_unavailable"]);
  });

  test("a store that fails to release after a listener failure is reported, the answer stays 500", async () => {
    const store = failing({ delete: () => Promise.reject(new Error("gone")) });
    const { receiver, errors } = misskey({ dedupe: store });
    receiver.on("note", () => {
      throw new Error("listener");
    });
    expect((await receiver.receive(note())).status).toBe(500);
    expect(errors.map((e) => e.code).sort()).toEqual(["handler_failed", "store_unavailable"]);
  });
});
