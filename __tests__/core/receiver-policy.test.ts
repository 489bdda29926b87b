import { resolveHeaderSecretOptions } from "../../lib/core/options.js";
import { WebhookReceiver } from "../../lib/core/receiver.js";
import type { UploadedFile } from "../../lib/core/request/content-types/multipart.js";
import type { WebhookError } from "../../lib/core/errors.js";
import { encodeMultipart } from "../../lib/testing/encode.js";
import { bodyOf, deferred, headerTestReceiver, jsonRequest, settle, testProtocol } from "../fixtures/test-receiver.js";

const auth = { "x-test-secret": "s" };

function receiverFor(resends: boolean, options: { dispatchTimeoutMs?: number } = {}) {
  const errors: WebhookError[] = [];
  const receiver = headerTestReceiver({ secret: "s", ...options }, resends).onError((error) => {
    errors.push(error);
  });
  return { receiver, errors };
}

describe("a provider that never resends (always 200 once verified)", () => {
  test("an invalid payload is acknowledged and reported with issues and payload", async () => {
    const { receiver, errors } = receiverFor(false);
    const listener = jest.fn();
    receiver.on("ping", listener);
    const response = await receiver.receive(jsonRequest({ kind: "ping", id: "1", n: "not a number" }, auth));
    expect(response.status).toBe(200);
    expect(listener).not.toHaveBeenCalled();
    expect(errors[0]).toMatchObject({ code: "invalid_payload", status: 400, payload: { kind: "ping", n: "not a number" } });
    expect(errors[0]!.issues?.[0]?.path).toEqual(["n"]);
  });

  test("a body that is no envelope at all is not a delivery: 400 invalid_envelope", async () => {
    const { receiver, errors } = receiverFor(false);
    const response = await receiver.receive(jsonRequest({ nokind: true }, auth));
    expect(response.status).toBe(400);
    expect(bodyOf(response)["error"]).toBe("invalid_envelope");
    expect(errors.map((e) => e.code)).toEqual(["invalid_envelope"]);
    expect(errors[0]!.provider).toBe("test");
  });

  test("a failing listener is acknowledged and reported", async () => {
    const { receiver, errors } = receiverFor(false);
    receiver.on("pong", () => {
      throw new Error("x");
    });
    const response = await receiver.receive(jsonRequest({ kind: "pong", id: "p1" }, auth));
    expect(response.body).toBe('{"ok":true}');
    expect(errors.map((e) => e.code)).toEqual(["handler_failed"]);
  });

  test("a timed-out dispatch is acknowledged", async () => {
    const { receiver, errors } = receiverFor(false, { dispatchTimeoutMs: 20 });
    const gate = deferred();
    receiver.on("pong", () => gate.promise);
    const response = await receiver.receive(jsonRequest({ kind: "pong", id: "p2" }, auth));
    expect(response.status).toBe(200);
    expect(errors.map((e) => e.code)).toEqual(["dispatch_timeout"]);
    gate.resolve();
    await settle();
  });

  test("a repeat while the first is processing is acknowledged as a duplicate", async () => {
    const { receiver } = receiverFor(false);
    const gate = deferred();
    receiver.on("pong", () => gate.promise);
    const first = receiver.receive(jsonRequest({ kind: "pong", id: "p3" }, auth));
    await settle();
    expect((await receiver.receive(jsonRequest({ kind: "pong", id: "p3" }, auth))).body).toBe('{"ok":true,"duplicate":true}');
    gate.resolve();
    expect((await first).status).toBe(200);
  });

  test("refusals of the request itself keep their status", async () => {
    const { receiver } = receiverFor(false);
    expect((await receiver.receive(jsonRequest({ kind: "pong" }, { "x-test-secret": "wrong" }))).status).toBe(401);
    expect((await receiver.receive({ method: "POST", headers: auth, body: "{" })).status).toBe(415);
  });
});

describe("delivery ids", () => {
  test("events without an id are never deduped", async () => {
    const { receiver } = receiverFor(true);
    const listener = jest.fn();
    receiver.on("pong", listener);
    await receiver.receive(jsonRequest({ kind: "pong" }, auth));
    await receiver.receive(jsonRequest({ kind: "pong" }, auth));
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test("unknown events are deduped by id too", async () => {
    const { receiver } = receiverFor(true);
    const listener = jest.fn();
    receiver.onAny(listener);
    await receiver.receive(jsonRequest({ kind: "new.thing", id: "u1" }, auth));
    const again = await receiver.receive(jsonRequest({ kind: "new.thing", id: "u1" }, auth));
    expect(again.body).toBe('{"ok":true,"duplicate":true}');
    expect(listener).toHaveBeenCalledTimes(1);
  });
});

describe("body formats through the pipeline", () => {
  test("urlencoded, nested keys expanded; meta from headers", async () => {
    const { receiver } = receiverFor(true);
    const seen: unknown[] = [];
    receiver.on("pong", (e) => {
      seen.push(e.payload, e.meta);
    });
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded", "x-tenant": "acme" },
      body: "kind=pong&data%5Btags%5D%5B%5D=a&data%5Btags%5D%5B%5D=b",
    });
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      { kind: "pong", data: { tags: ["a", "b"] } },
      { tenant: "acme", params: {} },
    ]);
  });

  test("urlencoded values stay strings: a number field fails validation (400 where it resends)", async () => {
    const { receiver, errors } = receiverFor(true);
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      body: "kind=ping&n=1",
    });
    expect(response.status).toBe(400);
    expect(bodyOf(response)["error"]).toBe("invalid_payload");
    expect(errors[0]!.payload).toEqual({ kind: "ping", n: "1" });
  });

  test("a form already parsed by express.urlencoded({ extended: false }) is expanded", async () => {
    const { receiver } = receiverFor(true);
    let payload: unknown;
    receiver.on("pong", (e) => {
      payload = e.payload;
    });
    const flat = Object.assign(Object.create(null) as Record<string, unknown>, {
      kind: "pong",
      "data[tags][]": ["a", "b"],
      "data[x]": "1",
    });
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      body: flat,
    });
    expect(response.status).toBe(200);
    expect(payload).toEqual({ kind: "pong", data: { tags: ["a", "b"], x: "1" } });
  });

  test("too many form fields → 413", async () => {
    const protocol = testProtocol(true);
    const receiver = new WebhookReceiver(
      protocol,
      resolveHeaderSecretOptions({ secret: "s", maxFields: 2 }, "X-Test-Secret", protocol, "f"),
    );
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
      body: "kind=pong&a=1&b=2",
    });
    expect(response.status).toBe(413);
  });

  test("multipart: fields and files", async () => {
    const { receiver } = receiverFor(true);
    let payload: Record<string, unknown> | undefined;
    receiver.on("pong", (e) => {
      payload = e.payload;
    });
    const boundary = "b0undary";
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npong\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="hi.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n` +
        `--${boundary}--\r\n`,
    );
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": `multipart/form-data; boundary=${boundary}` },
      body,
    });
    expect(response.status).toBe(200);
    expect(payload?.["kind"]).toBe("pong");
    const file = payload?.["file"] as UploadedFile;
    expect(file.filename).toBe("hi.txt");
    expect(file.data.toString()).toBe("hello");
  });

  test("multipart limits from the options → 413; a bad boundary → 400", async () => {
    const protocol = testProtocol(true);
    const receiver = new WebhookReceiver(
      protocol,
      resolveHeaderSecretOptions({ secret: "s", multipart: { maxFieldSize: 4 } }, "X-Test-Secret", protocol, "f"),
    );
    const { body, contentType } = encodeMultipart([["kind", "pong-pong"]]);
    expect((await receiver.receive({ method: "POST", headers: { ...auth, "content-type": contentType }, body })).status).toBe(413);
    expect((await receiver.receive({ method: "POST", headers: { ...auth, "content-type": "multipart/form-data" }, body })).status).toBe(
      400,
    );
  });

  test("an unsupported charset → 415 unsupported_charset", async () => {
    const { receiver } = receiverFor(true);
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": "application/json; charset=x-unknown" },
      body: Buffer.from('{"kind":"pong"}'),
    });
    expect(response.status).toBe(415);
    expect(bodyOf(response)["error"]).toBe("unsupported_charset");
  });

  test("a Shift_JIS JSON body is decoded by its charset", async () => {
    const { receiver } = receiverFor(true);
    let payload: unknown;
    receiver.on("pong", (e) => {
      payload = e.payload;
    });
    // {"kind":"pong","t":"日本"} with "日本" in Shift_JIS.
    const body = Buffer.concat([Buffer.from('{"kind":"pong","t":"'), Buffer.from([0x93, 0xfa, 0x96, 0x7b]), Buffer.from('"}')]);
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "content-type": "application/json; charset=Shift_JIS" },
      body,
    });
    expect(response.status).toBe(200);
    expect(payload).toEqual({ kind: "pong", t: "日本" });
  });

  test("invalid UTF-8 → 400 malformed_body", async () => {
    const { receiver } = receiverFor(true);
    const body = Buffer.concat([Buffer.from('{"kind":"pong","t":"'), Buffer.from([0xff]), Buffer.from('"}')]);
    const response = await receiver.receive({ method: "POST", headers: { ...auth, "content-type": "application/json" }, body });
    expect(response.status).toBe(400);
  });
});

describe("unexpected failures", () => {
  test("a bug in a protocol becomes 500 internal_error with a generic message", async () => {
    const base = testProtocol(true);
    const protocol = {
      ...base,
      identify: (...args: Parameters<typeof base.identify>) => ({
        ...base.identify(...args),
        get meta(): { tenant: string | undefined } {
          throw new Error("meta exploded: secret internals");
        },
      }),
    };
    const receiver = new WebhookReceiver(protocol, resolveHeaderSecretOptions({ secret: "s" }, "X-Test-Secret", protocol, "f"));
    const errors: WebhookError[] = [];
    receiver.onError((e) => {
      errors.push(e);
    });
    const response = await receiver.receive(jsonRequest({ kind: "pong" }, auth));
    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({ error: "internal_error", message: "The receiver failed unexpectedly." });
    expect(errors[0]).toMatchObject({ code: "internal_error", provider: "test" });
    expect((errors[0]!.cause as Error).message).toContain("meta exploded");
  });

  test("a protocol whose identify() throws a plain error → 500 internal_error, not an envelope refusal", async () => {
    const protocol = {
      ...testProtocol(false),
      identify: (): never => {
        throw new TypeError("bug");
      },
    };
    const receiver = new WebhookReceiver(protocol, resolveHeaderSecretOptions({ secret: "s" }, "X-Test-Secret", protocol, "f"));
    const response = await receiver.receive(jsonRequest({ kind: "pong" }, auth));
    expect(response.status).toBe(500);
    expect(bodyOf(response)["error"]).toBe("internal_error");
  });

  test("normalize is applied before identifying the event", async () => {
    const protocol = { ...testProtocol(true), normalize: (body: unknown) => ({ payload: { kind: "pong", original: body } }) };
    const receiver = new WebhookReceiver(protocol, resolveHeaderSecretOptions({ secret: "s" }, "X-Test-Secret", protocol, "f"));
    let payload: unknown;
    receiver.on("pong", (e) => {
      payload = e.payload;
    });
    await receiver.receive(jsonRequest({ anything: 1 }, auth));
    expect(payload).toEqual({ kind: "pong", original: { anything: 1 } });
    expect(receiver.provider).toBe("test");
  });
});
