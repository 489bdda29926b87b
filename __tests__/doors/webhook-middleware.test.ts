import express from "express";
import { createWebhookFetchHandler } from "../../lib/adapters/webhook-fetch-handler.js";
import { createWebhookMiddleware } from "../../lib/adapters/webhook-middleware.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOkskyReceiver } from "../../lib/providers/oksky/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { okskyDelivery } from "../../lib/testing/samples/oksky.js";
import { closeServed, served } from "../fixtures/served.js";

// Several receivers behind one middleware (or one fetch handler), each at its exact path.

afterEach(closeServed);

function receivers() {
  const misskey = createMisskeyReceiver({ secret: "m-secret", logger: false });
  const oksky = createOkskyReceiver({ secret: "o-secret", logger: false });
  const seen: string[] = [];
  misskey.onAny((e) => void seen.push(`misskey:${e.name}`));
  oksky.onAny((e) => void seen.push(`oksky:${e.name}`));
  return { misskey, oksky, seen };
}

describe("createWebhookMiddleware", () => {
  test("in Express at the app's root: each path reaches its receiver, other paths go on to the app", async () => {
    const { misskey, oksky, seen } = receivers();
    const app = express();
    app.use(createWebhookMiddleware({ "/hooks/misskey": misskey, "/hooks/oksky": oksky }));
    app.get("/health", (_req, res) => void res.send("fine"));
    const http = await served(app);
    const m = misskeyDelivery("note", { secret: "m-secret" });
    expect((await http.post("/hooks/misskey?from=test").set(m.headers).send(m.body)).status).toBe(200);
    const o = okskyDelivery("Message.create", { secret: "o-secret" });
    expect((await http.post("/hooks/oksky").set(o.headers).send(o.body)).status).toBe(200);
    // A secret for the other path is no secret here.
    const crossed = misskeyDelivery("note", { secret: "o-secret" });
    expect(await http.post("/hooks/misskey").set(crossed.headers).send(crossed.body)).toMatchObject({
      status: 401,
      body: { error: "signature_mismatch" },
    });
    expect((await http.get("/health")).text).toBe("fine");
    expect(await http.get("/hooks/oksky")).toMatchObject({ status: 405, body: { error: "method_not_allowed" } });
    // Exact paths: a webhook URL, not a prefix.
    expect((await http.post("/hooks/misskey/extra").set(m.headers).send(m.body)).status).toBe(404);
    expect(seen).toEqual(["misskey:note", "oksky:Message.create"]);
  });

  test("in Express below a mount path: paths are the rest of the URL", async () => {
    const { misskey, seen } = receivers();
    const http = await served(express().use("/hooks", createWebhookMiddleware({ "/misskey": misskey })));
    const m = misskeyDelivery("note", { secret: "m-secret" });
    expect((await http.post("/hooks/misskey").set(m.headers).send(m.body)).status).toBe(200);
    expect(seen).toEqual(["misskey:note"]);
  });

  test("on node:http: another path is answered 404 not_found in JSON", async () => {
    const { misskey, oksky, seen } = receivers();
    const http = await served(createWebhookMiddleware({ "/hooks/misskey": misskey, "/hooks/oksky": oksky }));
    const m = misskeyDelivery("note", { secret: "m-secret" });
    const lost = await http.post("/hooks/elsewhere").set(m.headers).send(m.body);
    expect(lost.status).toBe(404);
    expect(lost.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(lost.body).toMatchObject({ error: "not_found" });
    expect((await http.post("/hooks/misskey").set(m.headers).send(m.body)).status).toBe(200);
    expect(seen).toEqual(["misskey:note"]);
  });

  test("refuses, at start-up, routes that cannot work", () => {
    const { misskey } = receivers();
    expect(() => createWebhookMiddleware({})).toThrow(/at least one path/);
    expect(() => createWebhookMiddleware({ "hooks/misskey": misskey })).toThrow(/must start with "\/"/);
    expect(() => createWebhookMiddleware({ "/hooks?x=1": misskey })).toThrow(/no query/);
    expect(() => createWebhookMiddleware({ "/hooks/misskey": {} as unknown as typeof misskey })).toThrow(/must map to a receiver/);
    expect(() => createWebhookFetchHandler(null as unknown as Record<string, typeof misskey>)).toThrow(/routes must be an object/);
  });
});

describe("createWebhookFetchHandler", () => {
  test("routes by the URL's pathname; another path is 404 not_found and its body is never read", async () => {
    const { misskey, oksky, seen } = receivers();
    const hooks = createWebhookFetchHandler({ "/hooks/misskey": misskey, "/hooks/oksky": oksky });
    const m = misskeyDelivery("note", { secret: "m-secret" });
    const post = (url: string, body: string | Buffer | ReadableStream<Uint8Array>) =>
      hooks(new Request(url, { method: "POST", headers: m.headers, body, duplex: "half" }));
    expect((await post("https://example.com/hooks/misskey?x=1", m.body)).status).toBe(200);
    const o = okskyDelivery("Message.create", { secret: "o-secret" });
    const ok = await hooks(new Request("https://example.com/hooks/oksky", { method: "POST", headers: o.headers, body: o.body }));
    expect(ok.status).toBe(200);

    let pulled = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    const lost = await post("https://example.com/hooks/nobody", endless);
    expect(lost.status).toBe(404);
    expect(await lost.json()).toMatchObject({ error: "not_found" });
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(1);
    expect(seen).toEqual(["misskey:note", "oksky:Message.create"]);
  });
});
