import express from "express";
import request from "supertest";
import { createMisskeyReceiver, createOneInboxReceiver, createPokepayReceiver } from "../../lib/index.js";
import { misskeyDelivery, oneInboxDelivery, pokepayDelivery } from "../../lib/testing/index.js";

// One router, many accounts: secrets found per request from the mount's route params.
const secrets: Record<string, string> = { acme: "acme-secret", globex: "globex-secret" };

function tenantApp() {
  const misskey = createMisskeyReceiver({ secret: ({ params }) => secrets[params["tenant"] ?? ""] });
  const seen: { tenant: string | undefined; host: string | undefined }[] = [];
  misskey.on("note", (e) => void seen.push({ tenant: e.meta.params["tenant"], host: e.meta.host }));
  const app = express();
  app.use("/hooks/misskey/:tenant", misskey.router);
  return { app, seen, misskey };
}

test("two tenants with different secrets share one router; neither can post as the other", async () => {
  const { app, seen } = tenantApp();
  const acme = misskeyDelivery("note", { secret: "acme-secret" });
  const globex = misskeyDelivery("note", { secret: "globex-secret" });
  expect((await request(app).post("/hooks/misskey/acme").set(acme.headers).send(acme.body)).status).toBe(200);
  expect((await request(app).post("/hooks/misskey/globex").set(globex.headers).send(globex.body)).status).toBe(200);

  const forged = misskeyDelivery("note", { secret: "acme-secret" });
  const crossed = await request(app).post("/hooks/misskey/globex").set(forged.headers).send(forged.body);
  expect(crossed.status).toBe(401);
  expect(crossed.body.error).toBe("signature_mismatch");
  expect(seen.map((s) => s.tenant)).toEqual(["acme", "globex"]);
});

test("an unknown tenant is answered exactly like a wrong secret", async () => {
  const { app, seen } = tenantApp();
  const d = misskeyDelivery("note", { secret: "acme-secret" });
  const response = await request(app).post("/hooks/misskey/initech").set(d.headers).send(d.body);
  expect(response.status).toBe(401);
  expect(response.body.error).toBe("signature_mismatch");
  expect(seen).toEqual([]);
});

test("the resolver runs once per request, before the body is read", async () => {
  let calls = 0;
  const misskey = createMisskeyReceiver({
    secret: () => {
      calls += 1;
      return "s";
    },
    limit: 10,
  });
  // A body over the limit is never read: a 413 after the resolver ran proves the order.
  const d = misskeyDelivery("note", { secret: "s" });
  const response = await misskey.receive({ ...d, params: { tenant: "acme" } });
  expect(response.status).toBe(413);
  expect(calls).toBe(1);
});

test("a resolver that throws or is too slow → 503 auth_unavailable and onError; async resolvers work", async () => {
  const codes: string[] = [];
  const throwing = createMisskeyReceiver({
    secret: () => {
      throw new Error("db down: password=hunter2");
    },
  });
  throwing.onError((e) => void codes.push(e.code));
  const slow = createMisskeyReceiver({ secret: () => new Promise<string>(() => {}), resolverTimeoutMs: 20 });
  const asyncOk = createMisskeyReceiver({ secret: async () => ["old", "new"] });
  const d = misskeyDelivery("note", { secret: "new" });

  const thrown = await throwing.receive(d);
  expect(thrown.status).toBe(503);
  expect(thrown.body).not.toContain("hunter2");
  expect(JSON.parse(thrown.body).error).toBe("auth_unavailable");
  expect(codes).toEqual(["auth_unavailable"]);
  expect((await slow.receive(d)).status).toBe(503);
  expect((await asyncOk.receive(d)).status).toBe(200);
});

test("token and basic resolvers for providers without a signature", async () => {
  const tokens: Record<string, string> = { a: "token-a" };
  const oneinbox = createOneInboxReceiver({ auth: { token: ({ params }) => tokens[params["tenant"] ?? ""] } });
  const pokepay = createPokepayReceiver({
    auth: { basic: async ({ params }) => (params["tenant"] === "a" ? { username: "u", password: "p" } : undefined) },
  });
  const app = express();
  app.use("/oneinbox/:tenant", oneinbox.router);
  app.use("/pokepay/:tenant", pokepay.router);

  const call = oneInboxDelivery("call.ended", { token: "token-a" });
  expect((await request(app).post("/oneinbox/a").set(call.headers).send(call.body)).status).toBe(200);
  expect((await request(app).post("/oneinbox/b").set(call.headers).send(call.body)).status).toBe(401);

  const task = pokepayDelivery("bulk_shops");
  const basic = `Basic ${Buffer.from("u:p").toString("base64")}`;
  expect(
    (
      await request(app)
        .post("/pokepay/a")
        .set({ ...task.headers, authorization: basic })
        .send(task.body)
    ).status,
  ).toBe(200);
  const refused = await request(app)
    .post("/pokepay/b")
    .set({ ...task.headers, authorization: basic })
    .send(task.body);
  expect(refused.status).toBe(401);
  expect(refused.headers["www-authenticate"]).toMatch(/^Basic /);
});
