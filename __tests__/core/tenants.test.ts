import express from "express";
import request from "supertest";
import { createMisskeyReceiver, createOneInboxReceiver, createPokepayReceiver, type WebhookError } from "../../lib/index.js";
import { misskeyDelivery, oneInboxDelivery, pokepayDelivery } from "../../lib/testing/index.js";
import { recordingLogger } from "../fixtures/test-receiver.js";

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

describe("resolver results are checked like fixed secrets", () => {
  // The obvious resolver over a plain object: inherited names are found on Object.prototype.
  const plain: Record<string, string> = { acme: "acme-secret" };
  const plainTokens: Record<string, string> = { acme: "token-a" };
  const plainBasic: Record<string, { username: string; password: string }> = { acme: { username: "u", password: "p" } };

  function apps() {
    const misskey = createMisskeyReceiver({ secret: ({ params }) => plain[params["tenant"] ?? ""] });
    const oneinbox = createOneInboxReceiver({ auth: { token: ({ params }) => plainTokens[params["tenant"] ?? ""] } });
    const pokepay = createPokepayReceiver({ auth: { basic: ({ params }) => plainBasic[params["tenant"] ?? ""] } });
    const app = express();
    app.use("/misskey/:tenant", misskey.router);
    app.use("/oneinbox/:tenant", oneinbox.router);
    app.use("/pokepay/:tenant", pokepay.router);
    return app;
  }

  const note = misskeyDelivery("note", { secret: "acme-secret" });
  const call = oneInboxDelivery("call.ended", { token: "token-a" });
  const task = pokepayDelivery("bulk_shops");
  const basicHeader = `Basic ${Buffer.from("u:p").toString("base64")}`;
  const post = (app: express.Express, provider: string, tenant: string) => {
    if (provider === "misskey") return request(app).post(`/misskey/${tenant}`).set(note.headers).send(note.body);
    if (provider === "oneinbox") return request(app).post(`/oneinbox/${tenant}`).set(call.headers).send(call.body);
    return request(app)
      .post(`/pokepay/${tenant}`)
      .set({ ...task.headers, authorization: basicHeader })
      .send(task.body);
  };

  test.each(["misskey", "oneinbox", "pokepay"])(
    "%s: tenants named like Object.prototype's members are answered exactly like an unknown tenant (401, never 500)",
    async (provider) => {
      const app = apps();
      expect((await post(app, provider, "acme")).status).toBe(200);
      const unknown = await post(app, provider, "initech");
      expect(unknown.status).toBe(401);
      for (const tenant of ["constructor", "__proto__", "hasOwnProperty", "toString", "valueOf", "__defineGetter__"]) {
        const response = await post(app, provider, tenant);
        expect({ tenant, status: response.status, body: response.text }).toEqual({ tenant, status: 401, body: unknown.text });
        expect(response.headers["www-authenticate"]).toBe(unknown.headers["www-authenticate"]);
      }
    },
  );

  test.each<[string, unknown]>([
    ["a number", 42],
    ["null", null],
    ["an object", { secret: "acme-secret" }],
    ["a function", () => "acme-secret"],
    ["an array of non-strings", [42, null, {}]],
    ["a boxed string", Object("acme-secret")],
    ["an empty array", []],
  ])("a secret resolver returning %s is no secret: 401, never 500", async (_what, value) => {
    const misskey = createMisskeyReceiver({ secret: () => value as string });
    const response = await misskey.receive(misskeyDelivery("note", { secret: "acme-secret" }));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body).error).toBe("signature_mismatch");
  });

  test.each<[string, unknown]>([
    ['""', ""],
    ['[""] (rotation with the old env var unset)', [""]],
    ['["", ""]', ["", ""]],
  ])("a token resolver returning %s never lets an empty token in", async (_what, value) => {
    const oneinbox = createOneInboxReceiver({ auth: { token: () => value as string } });
    const d = oneInboxDelivery("call.ended");
    for (const extra of [{ query: { token: "" } }, { headers: { ...d.headers, "x-webhook-token": "" } }]) {
      const response = await oneinbox.receive({ ...d, ...extra });
      expect(response.status).toBe(401);
      expect(JSON.parse(response.body).error).toBe("signature_mismatch");
    }
  });

  test("an empty value in a resolver's rotation list is dropped; the others still work", async () => {
    const oneinbox = createOneInboxReceiver({ auth: { token: () => ["", "token-new", 7 as unknown as string] } });
    const misskey = createMisskeyReceiver({ secret: async () => [process.env["UNSET_OLD_SECRET_FOR_TEST"] ?? "", "new"] });
    const d = oneInboxDelivery("call.ended");
    expect((await oneinbox.receive({ ...d, query: { token: "" } })).status).toBe(401);
    expect((await oneinbox.receive({ ...d, query: { token: "token-new" } })).status).toBe(200);
    expect((await misskey.receive(misskeyDelivery("note", { secret: "new" }))).status).toBe(200);
  });

  test.each<[string, unknown]>([
    ["empty username and password", { username: "", password: "" }],
    ["an empty password", { username: "u", password: "" }],
    ["an empty username", { username: "", password: "p" }],
    ["a username with a colon", { username: "u:", password: "p" }],
    ["non-string fields", { username: 1, password: 2 }],
    ["a string", "u:p"],
  ])("a basic resolver returning %s never matches: 401 with the Basic challenge", async (_what, value) => {
    const pokepay = createPokepayReceiver({ auth: { basic: () => value as { username: string; password: string } } });
    const d = pokepayDelivery("bulk_shops");
    for (const pair of [":", "u:", ":p", "u::p", "1:2", "u:p"]) {
      const response = await pokepay.receive({
        ...d,
        headers: { ...d.headers, authorization: `Basic ${Buffer.from(pair).toString("base64")}` },
      });
      expect({ pair, status: response.status }).toEqual({ pair, status: 401 });
      expect(response.headers["www-authenticate"]).toMatch(/^Basic /);
    }
  });

  test.each<[string, () => unknown]>([
    ['secret: ""', () => createMisskeyReceiver({ secret: "" })],
    ['secret: [""]', () => createMisskeyReceiver({ secret: [""] })],
    ['secret: ["s", ""]', () => createMisskeyReceiver({ secret: ["s", ""] })],
    ["secret: []", () => createMisskeyReceiver({ secret: [] })],
    ['auth.token: ""', () => createOneInboxReceiver({ auth: { token: "" } })],
    ['auth.token: [""]', () => createOneInboxReceiver({ auth: { token: [""] } })],
    ["auth.basic with empty username and password", () => createPokepayReceiver({ auth: { basic: { username: "", password: "" } } })],
    ["auth.basic with an empty password", () => createPokepayReceiver({ auth: { basic: { username: "u", password: "" } } })],
  ])("a fixed %s is refused at construction", (_what, create) => {
    expect(create).toThrow(TypeError);
  });
});

describe("a resolver that finds no secret", () => {
  const NO_SECRET = "No secret was found for this request (the resolver returned none).";

  function watched(receiver: { onError(listener: (error: WebhookError) => void): unknown }) {
    const errors: WebhookError[] = [];
    receiver.onError((error) => void errors.push(error));
    return errors;
  }

  test("is reported as such to onError and the log, and answered byte for byte like a wrong secret", async () => {
    const logger = recordingLogger();
    const misskey = createMisskeyReceiver({ secret: ({ params }) => (params["tenant"] === "acme" ? "acme-secret" : undefined), logger });
    const errors = watched(misskey);
    const d = misskeyDelivery("note", { secret: "a-guess" });
    const wrong = await misskey.receive({ ...d, params: { tenant: "acme" } });
    const unknown = await misskey.receive({ ...d, params: { tenant: "initech" } });

    expect(unknown).toEqual(wrong);
    expect(wrong.status).toBe(401);
    expect(errors.map((e) => [e.code, e.reason, e.message])).toEqual([
      ["signature_mismatch", undefined, "The X-Misskey-Hook-Secret header does not match the configured secret."],
      ["signature_mismatch", "no_secret", NO_SECRET],
    ]);
    expect(logger.calls.map((call) => [call.level, call.args[1]])).toEqual([
      ["warn", "The X-Misskey-Hook-Secret header does not match the configured secret."],
      ["warn", NO_SECRET],
    ]);
  });

  test("through Express too: status, headers and body are the same for an unknown tenant as for a wrong secret", async () => {
    const tokens = new Map([["a", "token-a"]]);
    const pokepayCredentials = new Map([["a", { username: "u", password: "p" }]]);
    const misskey = createMisskeyReceiver({ secret: ({ params }) => (params["tenant"] === "a" ? "secret-a" : undefined) });
    const oneinbox = createOneInboxReceiver({ auth: { token: ({ params }) => tokens.get(params["tenant"] ?? "") } });
    const pokepay = createPokepayReceiver({ auth: { basic: ({ params }) => pokepayCredentials.get(params["tenant"] ?? "") } });
    const reasons = [misskey, oneinbox, pokepay].map((receiver) => watched(receiver));
    const app = express();
    app.use("/misskey/:tenant", misskey.router);
    app.use("/oneinbox/:tenant", oneinbox.router);
    app.use("/pokepay/:tenant", pokepay.router);

    const note = misskeyDelivery("note", { secret: "guess" });
    const call = oneInboxDelivery("call.ended", { token: "guess" });
    const task = pokepayDelivery("bulk_shops");
    const basic = `Basic ${Buffer.from("u:guess").toString("base64")}`;
    const send = {
      misskey: (tenant: string) => request(app).post(`/misskey/${tenant}`).set(note.headers).send(note.body),
      oneinbox: (tenant: string) => request(app).post(`/oneinbox/${tenant}`).set(call.headers).send(call.body),
      pokepay: (tenant: string) =>
        request(app)
          .post(`/pokepay/${tenant}`)
          .set({ ...task.headers, authorization: basic })
          .send(task.body),
    };
    // Everything but the clock.
    const seen = (response: request.Response) => {
      const { date: _date, ...headers } = response.headers as Record<string, string>;
      return { status: response.status, headers, body: response.text };
    };
    for (const [provider, post] of Object.entries(send)) {
      const wrong = seen(await post("a"));
      const unknown = seen(await post("z"));
      expect({ provider, ...unknown }).toEqual({ provider, ...wrong });
      expect(wrong.status).toBe(401);
    }
    expect(reasons.map((errors) => errors.map((e) => e.reason))).toEqual([
      [undefined, "no_secret"],
      [undefined, "no_secret"],
      [undefined, "no_secret"],
    ]);
  });
});
