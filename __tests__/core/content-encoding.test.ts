import express from "express";
import { PassThrough } from "node:stream";
import { gzipSync } from "node:zlib";
import request from "supertest";
import { assertIdentityEncoding } from "../../lib/core/request/content-types/content-encoding.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { bodyOf, headerTestReceiver } from "../fixtures/test-receiver.js";

const auth = { "x-test-secret": "s", "content-type": "application/json" };
const body = Buffer.from('{"kind":"pong","id":"1"}');

function codeOf(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("assertIdentityEncoding", () => {
  test.each(["gzip", "GZIP", "deflate", "br", "x-gzip", "compress", "zstd", "gzip, identity", "identity, gzip", "identity,,br", "unknown"])(
    "%j is refused",
    (coding) => {
      expect(
        codeOf(() => {
          assertIdentityEncoding({ "content-encoding": coding });
        }),
      ).toBe("unsupported_encoding");
    },
  );

  test.each(["identity", "IDENTITY", " Identity ", "identity, identity", "", " , "])("%j names no coding: accepted", (coding) => {
    expect(
      codeOf(() => {
        assertIdentityEncoding({ "content-encoding": coding });
      }),
    ).toBeUndefined();
  });

  test("no header, a header in another case, or repeated as an array", () => {
    expect(
      codeOf(() => {
        assertIdentityEncoding({});
      }),
    ).toBeUndefined();
    expect(
      codeOf(() => {
        assertIdentityEncoding({ "Content-Encoding": "gzip" });
      }),
    ).toBe("unsupported_encoding");
    expect(
      codeOf(() => {
        assertIdentityEncoding({ "content-encoding": ["identity", "gzip"] });
      }),
    ).toBe("unsupported_encoding");
  });
});

describe("receive(): a Content-Encoding other than identity is 415 before the body is parsed", () => {
  test("plain bytes labelled gzip are refused, not parsed as if plain", async () => {
    const receiver = headerTestReceiver({ secret: "s" }, true);
    const listener = jest.fn();
    receiver.onAny(listener);
    const response = await receiver.receive({ method: "POST", headers: { ...auth, "content-encoding": "gzip" }, body });
    expect(response.status).toBe(415);
    expect(bodyOf(response)["error"]).toBe("unsupported_encoding");
    expect(listener).not.toHaveBeenCalled();
  });

  test("really compressed bytes, a list, any case: 415; identity is accepted", async () => {
    const receiver = headerTestReceiver({ secret: "s" }, true);
    for (const coding of ["gzip", "Gzip, identity", "identity, br"]) {
      const response = await receiver.receive({ method: "POST", headers: { ...auth, "content-encoding": coding }, body: gzipSync(body) });
      expect([response.status, bodyOf(response)["error"]]).toEqual([415, "unsupported_encoding"]);
    }
    const plain = await receiver.receive({ method: "POST", headers: { ...auth, "content-encoding": "Identity" }, body });
    expect(plain.status).toBe(200);
  });

  test("refused before a byte of the stream is read", async () => {
    const receiver = headerTestReceiver({ secret: "s" }, true);
    const stream = new PassThrough();
    stream.write(body);
    const response = await receiver.receive({ method: "POST", headers: { ...auth, "content-encoding": "deflate" }, stream });
    expect(response.status).toBe(415);
    // Nothing consumed: the bytes written are still buffered in the stream.
    expect(stream.readableLength).toBe(body.length);
  });

  test("a forged request is still 401, not 415: authentication comes first", async () => {
    const receiver = headerTestReceiver({ secret: "s" }, true);
    const response = await receiver.receive({
      method: "POST",
      headers: { ...auth, "x-test-secret": "wrong", "content-encoding": "gzip" },
      body,
    });
    expect(response.status).toBe(401);
  });
});

/** Sends a Buffer as its bytes (superagent would JSON-serialize it under a JSON content type). */
const raw = (data: unknown): string => data as string;

describe("Express: a Content-Encoding other than identity is 415", () => {
  function app() {
    const receiver = createMisskeyReceiver({ secret: "enc-secret" });
    const notes: unknown[] = [];
    receiver.on("note", (event) => notes.push(event));
    const server = express();
    server.use("/hooks/misskey", receiver.router);
    return { server, notes };
  }

  test("gzip-compressed and gzip-labelled plain deliveries are refused; identity is delivered", async () => {
    const { server, notes } = app();
    const d = misskeyDelivery("note", { secret: "enc-secret" });
    const plain = Buffer.from(d.body);
    for (const sent of [gzipSync(plain), plain]) {
      const res = await request(server).post("/hooks/misskey").set(d.headers).set("content-encoding", "gzip").serialize(raw).send(sent);
      expect(res.status).toBe(415);
      expect(res.body).toMatchObject({ error: "unsupported_encoding" });
    }
    const res = await request(server).post("/hooks/misskey").set(d.headers).set("content-encoding", "identity").serialize(raw).send(plain);
    expect([res.status, res.text]).toEqual([200, '{"ok":true}']);
    expect(notes).toHaveLength(1);
  });

  test("behind a global express.json() (which inflates gzip itself), still 415", async () => {
    const receiver = createMisskeyReceiver({ secret: "enc-secret" });
    const notes: unknown[] = [];
    receiver.on("note", (event) => notes.push(event));
    const server = express();
    server.use(express.json());
    server.use("/hooks/misskey", receiver.router);
    const d = misskeyDelivery("note", { secret: "enc-secret" });
    const res = await request(server)
      .post("/hooks/misskey")
      .set(d.headers)
      .set("content-encoding", "gzip")
      .serialize(raw)
      .send(gzipSync(Buffer.from(d.body)));
    expect([res.status, res.text]).toEqual([415, expect.stringContaining("unsupported_encoding")]);
    expect(notes).toHaveLength(0);
  });
});
