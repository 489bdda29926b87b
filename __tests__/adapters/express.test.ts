import express, { type Express } from "express";
import { Agent, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import request from "supertest";
import { createExpressRouter, withExpressRouter } from "../../lib/adapters/express.js";
import { resolveGenericAuthOptions } from "../../lib/core/options.js";
import { WebhookReceiver } from "../../lib/core/receiver.js";
import type { WebhookRequest } from "../../lib/core/types.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import type { WebhookError } from "../../lib/core/errors.js";
import { deferred, testProtocol } from "../fixtures/test-receiver.js";

const SECRET = "adapter-secret";
const MB = 1024 * 1024;

function misskeyApp(setup: (app: Express) => void = () => {}, path = "/hooks/misskey") {
  const receiver = createMisskeyReceiver({ secret: SECRET });
  const notes: string[] = [];
  receiver.on("note", (e) => {
    notes.push(e.payload.body.note.text ?? "");
  });
  const app = express();
  setup(app);
  app.use(path, receiver.router);
  return { app, receiver, notes };
}

/** A form-accepting receiver (token auth) mounted at /hooks/test. */
function formApp(setup: (app: Express) => void) {
  const protocol = testProtocol(true);
  const receiver = withExpressRouter(new WebhookReceiver(protocol, resolveGenericAuthOptions({ auth: { token: "t" } }, protocol, "f")));
  const payloads: unknown[] = [];
  receiver.on("pong", (e) => {
    payloads.push(e.payload);
  });
  const app = express();
  setup(app);
  app.use("/hooks/test", receiver.router);
  return { app, payloads };
}

describe("routing", () => {
  test("POST / answers; the router is built once", async () => {
    const { app, notes, receiver } = misskeyApp();
    expect(receiver.router).toBe(receiver.router);
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(notes).toEqual(["Hello, fediverse!"]);
  });

  test.each(["get", "put", "delete", "patch"] as const)("%s → 405 with Allow: POST", async (method) => {
    const { app, notes } = misskeyApp();
    const res = await request(app)[method]("/hooks/misskey");
    expect(res.status).toBe(405);
    expect(res.headers["allow"]).toBe("POST");
    expect(res.body.error).toBe("method_not_allowed");
    expect(notes).toEqual([]);
  });

  test("a trailing slash is the same route", async () => {
    const { app, notes } = misskeyApp();
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await request(app).post("/hooks/misskey/").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  test("mounted under a nested path, sub-paths are not ours", async () => {
    const { app } = misskeyApp(() => {}, "/api/v1/hooks/misskey");
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await request(app).post("/api/v1/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect((await request(app).post("/api/v1/hooks/misskey/other").set(d.headers).send(d.body)).status).toBe(404);
    expect((await request(app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(404);
  });

  test("answers carry a Content-Length (never chunked), refusals too", async () => {
    const { app } = misskeyApp();
    const good = misskeyDelivery("note", { secret: SECRET });
    const bad = misskeyDelivery("note", { secret: "wrong" });
    for (const d of [good, bad]) {
      const res = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
      expect(res.headers["transfer-encoding"]).toBeUndefined();
      expect(Number(res.headers["content-length"])).toBe(Buffer.byteLength(res.text));
    }
  });

  test("a query string on the mount path is still our route", async () => {
    const { app, notes } = misskeyApp();
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await request(app).post("/hooks/misskey?from=test").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  // The router answers its own route without its matching while nobody has added to it;
  // once something is added, every request goes through the router as usual.
  test("routes and middleware added to receiver.router still work; ours still answers POST /", async () => {
    const { app, receiver, notes } = misskeyApp();
    const seen: string[] = [];
    receiver.router.use((req, _res, next) => {
      seen.push(req.method);
      next();
    });
    receiver.router.get("/health", (_req, res) => {
      res.json({ up: true });
    });
    const d = misskeyDelivery("note", { secret: SECRET });
    // Added after our own route: it runs for paths our route does not answer, as Express does.
    expect((await request(app).get("/hooks/misskey/health")).body).toEqual({ up: true });
    expect((await request(app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
    expect(seen).toEqual(["GET"]);
  });

  test("refusals are answered by the router itself", async () => {
    const { app } = misskeyApp();
    const d = misskeyDelivery("note", { secret: "wrong" });
    const res = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: "signature_mismatch", message: expect.any(String) as string });
    expect(res.text).not.toContain(SECRET);
  });
});

describe("bodies another middleware already read", () => {
  test("a global express.json(): still authenticated and dispatched, no hang", async () => {
    const { app, notes } = misskeyApp((a) => a.use(express.json()));
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await request(app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toEqual(["Hello, fediverse!"]);
    const forged = await request(app)
      .post("/hooks/misskey")
      .set({ ...d.headers, "x-misskey-hook-secret": "x" })
      .send(d.body);
    expect(forged.status).toBe(401);
    const dup = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
    expect(dup.body).toEqual({ ok: true, duplicate: true });
  });

  test("a global express.json() with a legacy text/plain delivery: we read the stream ourselves", async () => {
    const { app, notes } = misskeyApp((a) => a.use(express.json()));
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await request(app)
      .post("/hooks/misskey")
      .set({ ...d.headers, "content-type": "text/plain;charset=UTF-8" })
      .send(d.body as string);
    expect(res.status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  test("express.raw() hands over a Buffer", async () => {
    const { app, notes } = misskeyApp((a) => a.use(express.raw({ type: "*/*" })));
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await request(app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  test('express.text({ type: "*/*" }) hands over a string', async () => {
    const { app, notes } = misskeyApp((a) => a.use(express.text({ type: "*/*" })));
    const d = misskeyDelivery("note", { secret: SECRET, overrides: { body: { note: { text: "日本語 👍" } } } });
    expect((await request(app).post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toEqual(["日本語 👍"]);
  });

  test("a pre-read body over our limit is still refused", async () => {
    const receiver = createMisskeyReceiver({ secret: SECRET, limit: 1000 });
    const listener = jest.fn();
    receiver.on("note", listener);
    const app = express()
      .use(express.raw({ type: "*/*", limit: "5mb" }))
      .use("/h", receiver.router);
    const d = misskeyDelivery("note", { secret: SECRET, overrides: { body: { note: { text: "x".repeat(2000) } } } });
    expect((await request(app).post("/h").set(d.headers).send(d.body)).status).toBe(413);
    expect(listener).not.toHaveBeenCalled();
  });

  const form = "kind=pong&data[tags][]=a&data[tags][]=b&data[one][]=x&data[id]=7";
  const expected = { kind: "pong", data: { tags: ["a", "b"], one: ["x"], id: "7" } };

  test.each([
    ["no body parser", (_app: Express) => {}],
    ["express.urlencoded({ extended: true })", (app: Express) => void app.use(express.urlencoded({ extended: true }))],
    ["express.urlencoded({ extended: false })", (app: Express) => void app.use(express.urlencoded({ extended: false }))],
  ])("a form with %s gives the same nested payload", async (_what, setup) => {
    const { app, payloads } = formApp(setup);
    const res = await request(app).post("/hooks/test?token=t").type("form").send(form);
    expect(res.status).toBe(200);
    expect(payloads).toEqual([expected]);
  });

  test("express.urlencoded({ extended: true }) cannot smuggle prototype keys", async () => {
    const { app, payloads } = formApp((a) => a.use(express.urlencoded({ extended: true })));
    const res = await request(app)
      .post("/hooks/test?token=t")
      .type("form")
      .send("kind=pong&__proto__[polluted]=1&constructor[prototype][polluted]=1&data[__proto__][polluted]=1");
    expect(res.status).toBe(200);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
    expect(payloads).toHaveLength(1);
    const payload = payloads[0] as Record<string, unknown>;
    expect(payload["kind"]).toBe("pong");
    expect(Object.hasOwn(payload, "__proto__")).toBe(false);
    expect(Object.hasOwn(payload, "constructor")).toBe(false);
    expect(JSON.stringify(payload)).not.toContain("polluted");
  });
});

describe("large bodies", () => {
  /** Posts `size` bytes with node:http, declared or chunked; resolves with the answer the client saw. */
  function postRaw(
    server: Server,
    size: number,
    chunked: boolean,
    headers: Record<string, string>,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { port, method: "POST", path: "/hooks/misskey", headers: { ...headers, ...(chunked ? {} : { "content-length": String(size) }) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() });
          });
          res.on("error", reject);
        },
      );
      // The server may close while we are still sending: that is the point, not a failure.
      req.on("error", () => {});
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once("drain", pump);
        }
        req.end();
      };
      pump();
    });
  }

  function postBody(
    server: Server,
    headers: Record<string, string>,
    body: string | Buffer,
    agent: Agent,
  ): Promise<{ status: number; headers: IncomingHttpHeaders }> {
    const { port } = server.address() as AddressInfo;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        { port, method: "POST", path: "/hooks/misskey", agent, headers: { ...headers, "content-length": String(Buffer.byteLength(body)) } },
        (res) => {
          res.resume();
          res.on("end", () => {
            resolve({ status: res.statusCode ?? 0, headers: res.headers });
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }

  async function withServer<T>(app: Express, run: (server: Server) => Promise<T>): Promise<T> {
    const server = app.listen(0);
    await new Promise((resolve) => server.once("listening", resolve));
    try {
      return await run(server);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }

  test("2 MB with Content-Length → 413 seen by the client, the listener never runs", async () => {
    const { app, notes } = misskeyApp();
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await withServer(app, (server) => postRaw(server, 2 * MB, false, d.headers));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: "body_too_large" });
    expect(notes).toEqual([]);
  });

  test("a body declared larger than 16 MiB is not read off: Connection: close", async () => {
    const { app } = misskeyApp();
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await withServer(app, async (server) => {
      const { port } = server.address() as AddressInfo;
      return new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
        const req = httpRequest(
          { port, method: "POST", path: "/hooks/misskey", headers: { ...d.headers, "content-length": String(17 * MB) } },
          (r) => {
            r.resume();
            resolve({ status: r.statusCode ?? 0, connection: r.headers.connection });
          },
        );
        req.on("error", reject);
        req.write("{");
      });
    });
    expect(res).toEqual({ status: 413, connection: "close" });
  });

  test("2 MB chunked (no Content-Length) → 413 seen by the client", async () => {
    const { app, notes } = misskeyApp();
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await withServer(app, (server) => postRaw(server, 2 * MB, true, d.headers));
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: "body_too_large" });
    expect(notes).toEqual([]);
  });

  test("a refused secret is answered 401 without parsing; the unread body is dropped and the connection reused", async () => {
    const { app, notes } = misskeyApp();
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const [forged, good] = await withServer(app, async (server) => {
        const bad = misskeyDelivery("note", { secret: "wrong" });
        const big = Buffer.concat([Buffer.from(bad.body), Buffer.alloc(512 * 1024, 0x20)]);
        const first = await postBody(server, bad.headers, big, agent);
        const ok = misskeyDelivery("note", { secret: SECRET });
        return [first, await postBody(server, ok.headers, ok.body, agent)];
      });
      expect(forged.status).toBe(401);
      expect(good.status).toBe(200);
      expect(good.headers["connection"]).toBe("keep-alive");
      expect(notes).toHaveLength(1);
    } finally {
      agent.destroy();
    }
  });

  test("a client that goes away mid-body is reported as request_aborted; the listener never runs", async () => {
    const receiver = createMisskeyReceiver({ secret: SECRET });
    const listener = jest.fn();
    const reported = deferred<WebhookError>();
    receiver.on("note", listener).onError((error) => {
      reported.resolve(error);
    });
    const app = express().use("/hooks/misskey", receiver.router);
    const error = await withServer(app, async (server) => {
      const { port } = server.address() as AddressInfo;
      const d = misskeyDelivery("note", { secret: SECRET });
      const req = httpRequest({ port, method: "POST", path: "/hooks/misskey", headers: { ...d.headers, "content-length": "100000" } });
      req.on("error", () => {});
      req.write((d.body as string).slice(0, 50), () => setTimeout(() => req.destroy(), 10));
      return reported.promise;
    });
    expect(error.code).toBe("request_aborted");
    expect(listener).not.toHaveBeenCalled();
  });

  test("a body read to the end keeps a keep-alive connection alive, even when refused", async () => {
    const { app } = misskeyApp();
    const agent = new Agent({ keepAlive: true });
    try {
      const answers = await withServer(app, async (server) => {
        const good = misskeyDelivery("note", { secret: SECRET });
        const invalid = misskeyDelivery("note", { secret: SECRET, overrides: { eventId: "" } });
        return [await postBody(server, good.headers, good.body, agent), await postBody(server, invalid.headers, invalid.body, agent)];
      });
      expect(answers.map((a) => a.status)).toEqual([200, 400]);
      expect(answers.map((a) => a.headers["connection"])).toEqual(["keep-alive", "keep-alive"]);
    } finally {
      agent.destroy();
    }
  });
});

describe("client address", () => {
  function spyApp(trustProxy: boolean) {
    const seen: WebhookRequest[] = [];
    const app = express();
    if (trustProxy) app.set("trust proxy", true);
    app.use(
      "/hooks",
      createExpressRouter({
        receive: async (req) => {
          seen.push(req);
          return { status: 200, headers: {}, body: "{}", outcome: "ok" };
        },
      }),
    );
    return { app, seen };
  }

  test("with trust proxy, req.ip (from X-Forwarded-For) is the remoteAddress", async () => {
    const { app, seen } = spyApp(true);
    await request(app).post("/hooks?x=1").set("x-forwarded-for", "203.0.113.9, 10.0.0.1").send("{}");
    expect(seen[0]!.remoteAddress).toBe("203.0.113.9");
    expect(seen[0]!.query).toEqual({ x: "1" });
    expect(seen[0]!.method).toBe("POST");
  });

  test("without trust proxy, X-Forwarded-For is ignored", async () => {
    const { app, seen } = spyApp(false);
    await request(app).post("/hooks").set("x-forwarded-for", "203.0.113.9").send("{}");
    expect(seen[0]!.remoteAddress).toMatch(/127\.0\.0\.1|::1/);
  });

  test("allowIps behind a trusted proxy", async () => {
    const protocol = testProtocol(true);
    const receiver = withExpressRouter(
      new WebhookReceiver(protocol, resolveGenericAuthOptions({ auth: { allowIps: ["203.0.113.0/24"] } }, protocol, "f")),
    );
    const app = express().set("trust proxy", "loopback").use("/h", receiver.router);
    const allowed = await request(app).post("/h").set("x-forwarded-for", "203.0.113.9").send({ kind: "pong" });
    expect(allowed.status).toBe(200);
    const denied = await request(app).post("/h").set("x-forwarded-for", "198.51.100.1").send({ kind: "pong" });
    expect(denied.status).toBe(403);
  });
});
