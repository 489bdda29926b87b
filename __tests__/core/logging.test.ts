import { Writable } from "node:stream";
import pino from "pino";
import { createMisskeyReceiver, createOkskyReceiver, createOneInboxReceiver } from "../../lib/index.js";
import { misskeyDelivery, okskyDelivery, oneInboxDelivery } from "../../lib/testing/index.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { deferred } from "../fixtures/test-receiver.js";

// A real pino logger, its lines parsed back: what operators will read.
function pinoLines() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, stream) };
}

const secret = "sekrit-9f2c41d07b";
const token = "tok-5e8a0c1b2d";

test("one structured line per refusal and per failure, with its code; never a secret, token or body", async () => {
  const { lines, logger } = pinoLines();
  const misskey = createMisskeyReceiver({ secret, logger });
  misskey.on("note", () => {
    throw new Error("listener broke");
  });
  const oneinbox = createOneInboxReceiver({ auth: { token }, logger });

  await misskey.receive(misskeyDelivery("note", { secret: `${secret}x` }));
  await misskey.receive({ ...misskeyDelivery("note", { secret }), body: "{not json" });
  await misskey.receive(misskeyDelivery("note", { secret, overrides: { body: { note: { text: "private words" } } } }));
  await oneinbox.receive(oneInboxDelivery("call.ended", { token: `${token}x` }));
  await new Promise((resolve) => setImmediate(resolve));

  expect(lines.map((line) => [line["level"], line["code"], line["status"]])).toEqual([
    [40, "signature_mismatch", 401],
    [40, "malformed_body", 400],
    [50, "handler_failed", 500],
    [40, "signature_mismatch", 401],
  ]);
  expect(lines[2]).toMatchObject({ provider: "misskey", event: "note", deliveryId: expect.any(String) });
  const text = JSON.stringify(lines);
  for (const hidden of [secret, token, "private words", "Hello, fediverse"]) expect(text).not.toContain(hidden);
});

test("payloads appear in failure lines only with logPayloads: true", async () => {
  const { lines, logger } = pinoLines();
  const misskey = createMisskeyReceiver({ secret, logger, logPayloads: true });
  misskey.on("note", () => {
    throw new Error("listener broke");
  });
  await misskey.receive(misskeyDelivery("note", { secret, overrides: { body: { note: { text: "opted in" } } } }));
  await new Promise((resolve) => setImmediate(resolve));
  expect(JSON.stringify(lines)).toContain("opted in");
  expect(JSON.stringify(lines)).not.toContain(secret);
});

// ---------------------------------------------------------------------------------------
// Loud by default: with no logger option, every refusal and failure reaches stderr.

/** Captures what the library writes on stderr, one entry per line. */
function captureStderr(): { lines: string[]; text: () => string } {
  const lines: string[] = [];
  jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split("\n").filter(Boolean));
    return true;
  });
  return { lines, text: () => lines.join("\n") };
}

afterEach(() => {
  jest.restoreAllMocks();
  jest.useRealTimers();
});

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("with no logger option", () => {
  test("a wrong secret is one line on stderr: provider, code, status, event, delivery id; not the secret", async () => {
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({ secret });
    expect((await misskey.receive(misskeyDelivery("note", { secret: `${secret}-wrong` }))).status).toBe(401);
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.lines[0]).toMatch(
      /^\[express-webhook-receivers\] warn provider=misskey code=signature_mismatch status=401 event=- delivery=- — \S.*\.$/,
    );
    expect(stderr.text()).not.toContain(secret);
  });

  test("a throwing listener: every failure is a line (never held back), with the error and where it was thrown", async () => {
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({ secret });
    misskey.on("note", () => {
      throw new TypeError("cannot read note.txt");
    });
    for (let i = 0; i < 20; i++) {
      const delivery = misskeyDelivery("note", { secret, overrides: { eventId: `evt-${i}`, body: { note: { text: "private words" } } } });
      expect((await misskey.receive(delivery)).status).toBe(500);
    }
    expect(stderr.lines).toHaveLength(20);
    expect(stderr.lines[7]).toMatch(
      /^\[express-webhook-receivers\] error provider=misskey code=handler_failed status=500 event=note delivery=evt-7 err="TypeError: cannot read note.txt" at="[^"]*logging\.test\.ts:\d+:\d+\)?" — A listener failed for "note"\. Answered 500: misskey will resend it\.$/,
    );
    expect(stderr.text()).not.toContain("private words");
    expect(stderr.text()).not.toContain(secret);
  });

  test("an OK SKY listener that throws: answered 200, and the line says so and where the event went", async () => {
    const stderr = captureStderr();
    const oksky = createOkskyReceiver({ secret });
    oksky.on("Message.create", () => {
      throw new Error("database down");
    });
    const delivery = () => okskyDelivery("Message.create", { secret });
    expect((await oksky.receive(delivery())).status).toBe(200);
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.lines[0]).toContain("provider=oksky code=handler_failed status=500 event=Message.create");
    expect(stderr.lines[0]).toContain('err="Error: database down"');
    expect(stderr.lines[0]).toMatch(
      /Acknowledged with 200 anyway \(oksky never resends\); no onError listener holds it, so this line is its only trace \(keep such events with receiver\.onError\(\) or the inbox option\)\.$/,
    );

    // An onError listener does not silence the line: it says the event went there.
    const kept = jest.fn();
    oksky.onError(kept);
    expect((await oksky.receive(delivery())).status).toBe(200);
    expect(kept).toHaveBeenCalledTimes(1);
    expect(stderr.lines).toHaveLength(2);
    expect(stderr.lines[1]).toMatch(
      /Acknowledged with 200 anyway \(oksky never resends\); the whole event went to your onError listener\.$/,
    );
  });

  test("an invalid payload is always a line, with where the schema failed and no payload value", async () => {
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({ secret });
    for (let i = 0; i < 5; i++) {
      const delivery = misskeyDelivery("note", {
        secret,
        rawOverrides: { eventId: `bad-${i}`, body: { note: { text: "private words", id: 42 } } },
      });
      expect((await misskey.receive(delivery)).status).toBe(400);
    }
    expect(stderr.lines).toHaveLength(5);
    expect(stderr.lines[4]).toMatch(
      /^\[express-webhook-receivers\] warn provider=misskey code=invalid_payload status=400 event=note delivery=bad-4 issues="body\.note\.id: [^"]+" — /,
    );
    expect(stderr.text()).not.toContain("private words");
  });

  test("refusals are rate-limited per code: the first, then one count a minute; a flood writes a bounded number of lines", async () => {
    jest.useFakeTimers({ doNotFake: ["setImmediate", "nextTick", "queueMicrotask"] });
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({ secret });
    const forged = misskeyDelivery("note", { secret: "guess" });
    const unsigned = misskeyDelivery("note");
    for (let i = 0; i < 1000; i++) {
      await misskey.receive(forged);
      await misskey.receive(unsigned);
    }
    // One line per code so far.
    expect(stderr.lines.map((line) => /code=(\w+)/.exec(line)?.[1])).toEqual(["signature_mismatch", "signature_missing"]);

    jest.advanceTimersByTime(60_000);
    expect(stderr.lines.slice(2).sort()).toEqual([
      "[express-webhook-receivers] warn provider=misskey code=signature_mismatch — 999 more signature_mismatch lines not printed (at most one line of each kind per 60 s)",
      "[express-webhook-receivers] warn provider=misskey code=signature_missing — 999 more signature_missing lines not printed (at most one line of each kind per 60 s)",
    ]);

    // The flood goes on for an hour: about one line per code per minute, never one per request.
    for (let minute = 0; minute < 60; minute++) {
      for (let i = 0; i < 100; i++) await misskey.receive(forged);
      jest.advanceTimersByTime(60_000);
    }
    expect(stderr.lines.length).toBeLessThanOrEqual(4 + 61);
    expect(stderr.text()).not.toContain("guess");

    // Quiet for a while, then a refusal is printed in full again.
    jest.advanceTimersByTime(120_000);
    const before = stderr.lines.length;
    await misskey.receive(forged);
    expect(stderr.lines.slice(before)).toEqual([expect.stringContaining("code=signature_mismatch status=401")]);
  });

  test("failures are never held back by a flood of refusals", async () => {
    const stderr = captureStderr();
    const oksky = createOkskyReceiver({ secret });
    oksky.on("Message.create", () => {
      throw new Error("broken");
    });
    for (let i = 0; i < 50; i++) await oksky.receive(okskyDelivery("Message.create", { secret: "guess" }));
    for (let i = 0; i < 3; i++) await oksky.receive(okskyDelivery("Message.create", { secret }));
    expect(stderr.lines.filter((line) => line.includes("code=signature_mismatch"))).toHaveLength(1);
    expect(stderr.lines.filter((line) => line.includes("code=handler_failed"))).toHaveLength(3);
  });

  test("a hook, an onError listener and a dedupe store that fail reach stderr too", async () => {
    const stderr = captureStderr();
    const store = {
      get: () => Promise.reject(new Error("redis gone")),
      set: () => Promise.reject(new Error("redis gone")),
      delete: async () => {},
    };
    const misskey = createMisskeyReceiver({
      secret,
      dedupe: store,
      hooks: {
        onRequest() {
          throw new Error("metrics broke");
        },
      },
    });
    misskey.onError(() => {
      throw new Error("alerting broke");
    });
    expect((await misskey.receive(misskeyDelivery("note", { secret }))).status).toBe(503);
    await flush();
    expect(stderr.lines).toEqual([
      expect.stringMatching(
        /^\[express-webhook-receivers\] error hook=onRequest err="Error: metrics broke" at=.* — A receiver hook threw; the answer is unchanged\.$/,
      ),
      expect.stringMatching(
        /^\[express-webhook-receivers\] error provider=misskey code=store_unavailable status=503 event=- delivery=- err="Error: redis gone" at=.* — The dedupe store is unavailable\.$/,
      ),
      expect.stringMatching(
        /^\[express-webhook-receivers\] error provider=misskey err="Error: alerting broke" at=.* — An onError listener threw\.$/,
      ),
    ]);
  });

  test("OK SKY listeners past dispatchTimeoutMs: a line per delivery, saying it was acknowledged and the listeners run on", async () => {
    const stderr = captureStderr();
    const oksky = createOkskyReceiver({ secret, dispatchTimeoutMs: 1 });
    const held = deferred();
    oksky.on("Message.create", () => held.promise);
    for (let i = 0; i < 3; i++) expect((await oksky.receive(okskyDelivery("Message.create", { secret }))).status).toBe(200);
    held.resolve();
    expect(stderr.lines).toHaveLength(3);
    for (const line of stderr.lines) {
      expect(line).toMatch(
        /^\[express-webhook-receivers\] error provider=oksky code=dispatch_timeout status=503 event=Message\.create .*Acknowledged with 200 anyway \(oksky never resends\); the listeners keep running/,
      );
    }
  });

  test("with an inbox, a listener failure's line says the delivery stays there for a retry", async () => {
    const stderr = captureStderr();
    const inbox = new MemoryInbox();
    const oksky = createOkskyReceiver({ secret, inbox: { store: inbox, pollIntervalMs: 60_000 } });
    oksky.on("Message.create", () => {
      throw new Error("broken");
    });
    expect((await oksky.receive(okskyDelivery("Message.create", { secret }))).status).toBe(200);
    await oksky.close();
    expect(stderr.lines).toEqual([
      expect.stringMatching(
        /code=handler_failed .* — A listener failed for "Message\.create"\. The delivery stays in the inbox: retried with backoff, then left failed for replay\.$/,
      ),
    ]);
  });

  test("with an inbox that cannot store the delivery, OK SKY's direct fallback says the event is not in the inbox", async () => {
    const stderr = captureStderr();
    const inbox = new MemoryInbox();
    inbox.add = () => Promise.reject(new Error("inbox down"));
    const oksky = createOkskyReceiver({ secret, inbox: { store: inbox, pollIntervalMs: 60_000 } });
    oksky.on("Message.create", () => {
      throw new Error("broken");
    });
    expect((await oksky.receive(okskyDelivery("Message.create", { secret }))).status).toBe(200);
    await oksky.close();
    expect(stderr.lines).toEqual([
      expect.stringMatching(/code=store_unavailable /),
      expect.stringMatching(/code=handler_failed .*Acknowledged with 200 anyway \(oksky never resends\); no onError listener holds it/),
    ]);
  });

  test("logPayloads: true puts the payload in the line, clipped to 4 KB", async () => {
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({ secret, logPayloads: true });
    misskey.on("note", () => {
      throw new Error("broken");
    });
    await misskey.receive(misskeyDelivery("note", { secret, overrides: { body: { note: { text: `opted in ${"x".repeat(10_000)}` } } } }));
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.lines[0]).toMatch(/ payload=\{.*"opted in x+…\(\d+ more\) — A listener failed/);
    expect(stderr.lines[0]!.length).toBeLessThan(5000);
    expect(stderr.text()).not.toContain(secret);
  });

  test("a hook that throws on every request is one line a minute, not one per request", async () => {
    jest.useFakeTimers({ doNotFake: ["setImmediate", "nextTick", "queueMicrotask"] });
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({
      secret,
      hooks: {
        onResponse() {
          throw new Error("metrics broke");
        },
      },
    });
    for (let i = 0; i < 100; i++) await misskey.receive(misskeyDelivery("note", { secret, overrides: { eventId: `ok-${i}` } }));
    jest.advanceTimersByTime(60_000);
    expect(stderr.lines).toEqual([
      expect.stringMatching(
        /^\[express-webhook-receivers\] error hook=onResponse err="Error: metrics broke" at=.* — A receiver hook threw; the answer is unchanged\.$/,
      ),
      '[express-webhook-receivers] warn — 99 more lines like "A receiver hook threw; the answer is unchanged." not printed (at most one line of each kind per 60 s)',
    ]);
  });

  test("a sender cannot forge a log line through an event name", async () => {
    const stderr = captureStderr();
    const misskey = createMisskeyReceiver({ secret });
    misskey.onAny(() => {
      throw new Error("x");
    });
    const delivery = misskeyDelivery("note", { secret, overrides: { type: "note\n[express-webhook-receivers] warn forged" } });
    await misskey.receive(delivery);
    expect(stderr.lines).toHaveLength(1);
    expect(stderr.lines[0]).toContain('event="note\\n[express-webhook-receivers] warn forged"');
  });
});

describe("the logger option", () => {
  test("logger: false silences everything, failures included", async () => {
    const stderr = captureStderr();
    const oksky = createOkskyReceiver({ secret, logger: false });
    oksky.on("Message.create", () => {
      throw new Error("broken");
    });
    await oksky.receive(okskyDelivery("Message.create", { secret: "guess" }));
    expect((await oksky.receive(okskyDelivery("Message.create", { secret }))).status).toBe(200);
    expect(stderr.lines).toEqual([]);
  });

  test("a logger replaces the default: nothing on stderr, every line to it", async () => {
    const stderr = captureStderr();
    const { lines, logger } = pinoLines();
    const misskey = createMisskeyReceiver({ secret, logger });
    for (let i = 0; i < 3; i++) await misskey.receive(misskeyDelivery("note", { secret: "guess" }));
    expect(stderr.lines).toEqual([]);
    // Not rate-limited: a logger of the user's own decides what to keep.
    expect(lines.map((line) => line["code"])).toEqual(["signature_mismatch", "signature_mismatch", "signature_mismatch"]);
  });

  test("console works as a logger: one text line per call, the same format", async () => {
    const stderr = captureStderr();
    const warn = jest.spyOn(console, "warn").mockImplementation(() => {});
    const error = jest.spyOn(console, "error").mockImplementation(() => {});
    const oksky = createOkskyReceiver({ secret, logger: console });
    oksky.on("Message.create", () => {
      throw new Error("broken");
    });
    await oksky.receive(okskyDelivery("Message.create", { secret: "guess" }));
    await oksky.receive(okskyDelivery("Message.create", { secret }));
    expect(warn.mock.calls).toEqual([
      [expect.stringMatching(/^\[express-webhook-receivers\] warn provider=oksky code=signature_mismatch status=401 /)],
    ]);
    expect(error.mock.calls).toEqual([
      [expect.stringMatching(/^\[express-webhook-receivers\] error provider=oksky code=handler_failed status=500 .*Acknowledged with 200/)],
    ]);
    expect(stderr.lines).toEqual([]);
  });
});
