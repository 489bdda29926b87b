import express from "express";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOneInboxReceiver } from "../../lib/providers/oneinbox/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { oneInboxDelivery } from "../../lib/testing/samples/oneinbox.js";
import { closeServed, served } from "../fixtures/served.js";

// receiver.handler: one plain (req, res, next?) function for route-style mounting and plain Node.

const SECRET = "handler-secret";

afterEach(closeServed);

function misskey(options: { limit?: number } = {}) {
  const receiver = createMisskeyReceiver({ secret: SECRET, ...options });
  const seen: { text: string; params: Readonly<Record<string, string>> }[] = [];
  receiver.on("note", (e) => void seen.push({ text: e.payload.body.note.text ?? "", params: e.meta.params }));
  return { receiver, seen };
}

describe("in Express", () => {
  test("app.post(path, receiver.handler): answered, built once", async () => {
    const { receiver, seen } = misskey();
    expect(receiver.handler).toBe(receiver.handler);
    const app = express();
    app.post("/hooks/misskey", receiver.handler);
    const http = await served(app);
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await http.post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(seen).toEqual([{ text: "Hello, fediverse!", params: {} }]);
  });

  test("a response another handler already sent is left alone: nothing throws", async () => {
    const { receiver } = misskey();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const app = express();
      app.post("/hooks/misskey", (_req, res, next) => {
        res.status(204).end();
        next();
      });
      app.post("/hooks/misskey", receiver.handler);
      const http = await served(app);
      const d = misskeyDelivery("note", { secret: SECRET });
      expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(204);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });

  test("route params reach per-tenant resolvers and event.meta.params", async () => {
    const secrets: Record<string, string> = { acme: "acme-secret" };
    const receiver = createMisskeyReceiver({ secret: ({ params }) => secrets[params["tenant"] ?? ""] });
    const tenants: (string | undefined)[] = [];
    receiver.on("note", (e) => void tenants.push(e.meta.params["tenant"]));
    const app = express();
    app.post("/hooks/:tenant/misskey", receiver.handler);
    const http = await served(app);
    const d = misskeyDelivery("note", { secret: "acme-secret" });
    expect((await http.post("/hooks/acme/misskey").set(d.headers).send(d.body)).status).toBe(200);
    const crossed = misskeyDelivery("note", { secret: "acme-secret" });
    expect((await http.post("/hooks/initech/misskey").set(crossed.headers).send(crossed.body)).status).toBe(401);
    expect(tenants).toEqual(["acme"]);
  });

  test("router.post(path, receiver.handler) in a router mounted elsewhere", async () => {
    const { receiver, seen } = misskey();
    const hooks = express.Router();
    hooks.post("/misskey", receiver.handler);
    const http = await served(express().use("/hooks", hooks));
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe("in plain Node (http.createServer, no Express)", () => {
  test("a delivery is answered 200 and its listener runs; refusals get their JSON answers", async () => {
    const { receiver, seen } = misskey({ limit: 2000 });
    const http = await served((req, res) => {
      receiver.handler(req, res);
    });
    const d = misskeyDelivery("note", { secret: SECRET });
    const ok = await http.post("/anything").set(d.headers).send(d.body);
    expect(ok.status).toBe(200);
    expect(ok.headers["content-length"]).toBe(String(Buffer.byteLength(ok.text)));
    expect(seen).toEqual([{ text: "Hello, fediverse!", params: {} }]);

    const forged = misskeyDelivery("note", { secret: "wrong" });
    expect(await http.post("/").set(forged.headers).send(forged.body)).toMatchObject({
      status: 401,
      body: { error: "signature_mismatch" },
    });
    expect(await http.get("/")).toMatchObject({ status: 405, headers: { allow: "POST" }, body: { error: "method_not_allowed" } });
    const big = misskeyDelivery("note", { secret: SECRET, overrides: { body: { note: { text: "x".repeat(5000) } } } });
    expect(await http.post("/").set(big.headers).send(big.body)).toMatchObject({ status: 413, body: { error: "body_too_large" } });
    expect(seen).toHaveLength(1);
  });

  test("the query string is read without Express: a ?token= authenticates", async () => {
    const receiver = createOneInboxReceiver({ auth: { token: "q-token" } });
    const calls: string[] = [];
    receiver.on("call.ended", (e) => void calls.push(e.payload.call_id));
    const http = await served((req, res) => {
      receiver.handler(req, res);
    });
    const d = oneInboxDelivery("call.ended");
    expect((await http.post("/hooks?token=q-token").set(d.headers).send(d.body)).status).toBe(200);
    expect((await http.post("/hooks?token=nope").set(d.headers).send(d.body)).status).toBe(401);
    expect(calls).toHaveLength(1);
  });
});
