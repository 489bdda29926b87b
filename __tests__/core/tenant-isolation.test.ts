import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import request from "supertest";
import { runCli } from "../../lib/cli/run-cli.js";
import { listInbox } from "../../lib/inbox/list-inbox.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import type { InboxStore } from "../../lib/inbox/types.js";
import { createMisskeyReceiver, createOneInboxReceiver, type MisskeyReceiver } from "../../lib/index.js";
import { MemoryStore } from "../../lib/stores/memory.js";
import type { DedupeStore } from "../../lib/stores/types.js";
import { misskeyDelivery, oneInboxDelivery } from "../../lib/testing/index.js";

// Tenant B (globex) posts delivery id X first; tenant A's (acme) own delivery X must still be dispatched.
const secrets = new Map([
  ["acme", "acme-secret"],
  ["globex", "globex-secret"],
]);

const dir = mkdtempSync(join(tmpdir(), "ewr-tenants-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});
let files = 0;
const receivers: MisskeyReceiver[] = [];
const stores: InboxStore[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

/** A dedupe store that remembers every key it was asked to write. */
function recordingStore(): DedupeStore & { keys: Set<string> } {
  const memory = new MemoryStore();
  const keys = new Set<string>();
  return {
    keys,
    get: (key) => memory.get(key),
    set: (key, value, options) => {
      keys.add(key);
      return memory.set(key, value, options);
    },
    delete: (key) => memory.delete(key),
  };
}

function twoTenants(options: Omit<Parameters<typeof createMisskeyReceiver>[0], "secret"> = {}) {
  const misskey = createMisskeyReceiver({ secret: ({ params }) => secrets.get(params["tenant"] ?? ""), ...options });
  receivers.push(misskey);
  const seen: string[] = [];
  misskey.on("note", (e) => void seen.push(`${e.meta.params["tenant"]}:${e.id}`));
  const app = express();
  app.use("/hooks/misskey/:tenant", misskey.router);
  return { app, seen, misskey };
}

const delivery = (tenant: string, eventId: string) => misskeyDelivery("note", { secret: `${tenant}-secret`, overrides: { eventId } });
const post = (app: express.Express, tenant: string, d: ReturnType<typeof delivery>) =>
  request(app).post(`/hooks/misskey/${tenant}`).set(d.headers).send(d.body);

function sqliteInbox(): SqliteInbox {
  const inbox = new SqliteInbox({ path: join(dir, `inbox-${++files}.sqlite`) });
  stores.push(inbox);
  return inbox;
}

const modes: [string, () => Parameters<typeof twoTenants>[0]][] = [
  ["the in-memory dedupe", () => ({})],
  ["a dedupe store that is not the in-memory one", () => ({ dedupe: recordingStore() })],
  ["a MemoryInbox", () => ({ inbox: new MemoryInbox() })],
  ["a SqliteInbox", () => ({ inbox: sqliteInbox() })],
];

test.each(modes)("%s: tenant B posting A's delivery id first does not make A's delivery a duplicate", async (_mode, options) => {
  const { app, seen } = twoTenants(options());
  expect((await post(app, "globex", delivery("globex", "X"))).body).toEqual({ ok: true });
  expect((await post(app, "acme", delivery("acme", "X"))).body).toEqual({ ok: true });
  expect(seen).toEqual(["globex:X", "acme:X"]);
  // Each tenant's own resend is still a duplicate.
  expect((await post(app, "acme", delivery("acme", "X"))).body).toEqual({ ok: true, duplicate: true });
  expect((await post(app, "globex", delivery("globex", "X"))).body).toEqual({ ok: true, duplicate: true });
  expect(seen).toHaveLength(2);
});

test("dedupe keys carry the tenant's route params; event.id stays the provider's delivery id", async () => {
  const store = recordingStore();
  const { app, misskey } = twoTenants({ dedupe: store });
  const ids: (string | undefined)[] = [];
  misskey.on("note", (e) => void ids.push(e.id));
  await post(app, "acme", delivery("acme", "X"));
  expect([...store.keys]).toEqual(["ewr:dedupe:misskey:@tenant=acme:X"]);
  expect(ids).toEqual(["X"]);
});

test("with fixed secrets the keys stay as they were (stored keys remain valid)", async () => {
  const store = recordingStore();
  const inbox = new MemoryInbox();
  const direct = createMisskeyReceiver({ secret: ["old", "new"], dedupe: store });
  const stored = createMisskeyReceiver({ secret: "s", inbox });
  receivers.push(direct, stored);
  const app = express();
  app.use("/direct/:tenant", direct.router);
  app.use("/stored/:tenant", stored.router);
  const d = misskeyDelivery("note", { secret: "new", overrides: { eventId: "X" } });
  await request(app).post("/direct/acme").set(d.headers).send(d.body);
  const s = misskeyDelivery("note", { secret: "s", overrides: { eventId: "Y" } });
  await request(app).post("/stored/acme").set(s.headers).send(s.body);
  expect([...store.keys]).toEqual(["ewr:dedupe:misskey:X"]);
  expect((await inbox.list()).map((r) => r.key)).toEqual(["misskey:Y"]);
});

test("inbox keys are scoped per tenant: listInbox, replay() and the CLI work with them", async () => {
  const inbox = sqliteInbox();
  let failAcme = true;
  const { app, misskey, seen } = twoTenants({ inbox: { store: inbox, maxAttempts: 1 } });
  misskey.on("note", (e) => {
    if (e.meta.params["tenant"] === "acme" && failAcme) throw new Error("acme's listener is down");
  });
  await post(app, "globex", delivery("globex", "X"));
  await post(app, "acme", delivery("acme", "X"));

  const records = await listInbox(inbox);
  expect(records.map((r) => [r.key, r.deliveryId, r.status]).sort()).toEqual([
    ["misskey:@tenant=acme:X", "X", "failed"],
    ["misskey:@tenant=globex:X", "X", "done"],
  ]);

  failAcme = false;
  expect(await misskey.replay("misskey:@tenant=acme:X")).toBe(1);
  expect((await inbox.get("misskey:@tenant=acme:X"))?.status).toBe("done");
  expect(seen).toEqual(["globex:X", "acme:X", "acme:X"]);

  // The CLI, given the key as `inbox list` prints it.
  const out: string[] = [];
  const io = { stdout: (text: string) => void out.push(text), stderr: (text: string) => void out.push(text) };
  const path = join(dir, `inbox-${files}.sqlite`);
  expect(await runCli(["inbox", "list", "--sqlite", path], io)).toBe(0);
  expect(out.join("")).toContain("misskey:@tenant=acme:X");
  expect(await runCli(["inbox", "show", "misskey:@tenant=acme:X", "--sqlite", path], io)).toBe(0);
  expect(await runCli(["inbox", "replay", "misskey:@tenant=acme:X", "--sqlite", path], io)).toBe(0);
  expect((await inbox.get("misskey:@tenant=acme:X"))?.status).toBe("pending");
});

describe("without route params: scoped by a fingerprint of the credentials the resolver returned", () => {
  // The tenant comes from a header; a tenant rotating its secret has two at once.
  const rotating = new Map<string, string[]>([
    ["acme", ["acme-old", "acme-new"]],
    ["globex", ["globex-secret"]],
  ]);

  function byHeader(options: Omit<Parameters<typeof createMisskeyReceiver>[0], "secret"> = {}) {
    const misskey = createMisskeyReceiver({ secret: ({ headers }) => rotating.get(String(headers["x-tenant"])), ...options });
    receivers.push(misskey);
    const seen: string[] = [];
    misskey.on("note", (e) => void seen.push(e.id));
    const app = express();
    app.use("/hooks/misskey", misskey.router);
    const send = (tenant: string, secret: string, eventId: string) => {
      const d = misskeyDelivery("note", { secret, overrides: { eventId } });
      return request(app)
        .post("/hooks/misskey")
        .set({ ...d.headers, "x-tenant": tenant })
        .send(d.body);
    };
    return { send, seen };
  }

  test("B's delivery X does not make A's X a duplicate; a resend under A's other secret still is", async () => {
    const store = recordingStore();
    const { send, seen } = byHeader({ dedupe: store });
    expect((await send("globex", "globex-secret", "X")).body).toEqual({ ok: true });
    expect((await send("acme", "acme-old", "X")).body).toEqual({ ok: true });
    expect(seen).toEqual(["X", "X"]);
    // The fingerprint is of the set, not of the secret that matched: rotation keeps the scope.
    expect((await send("acme", "acme-new", "X")).body).toEqual({ ok: true, duplicate: true });
    const keys = [...store.keys];
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(/^ewr:dedupe:misskey:@#[0-9a-f]{32}:X$/);
      expect(key).not.toMatch(/acme|globex|secret/);
    }
  });

  test("the same in an inbox", async () => {
    const inbox = new MemoryInbox();
    const { send, seen } = byHeader({ inbox });
    await send("globex", "globex-secret", "X");
    await send("acme", "acme-new", "X");
    expect((await send("acme", "acme-old", "X")).body).toEqual({ ok: true, duplicate: true });
    expect(seen).toEqual(["X", "X"]);
    const keys = (await inbox.list()).map((r) => r.key);
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(key).toMatch(/^misskey:@#[0-9a-f]{32}:X$/);
  });
});

test("token resolvers are scoped the same way (OneInbox, two tenants on one router)", async () => {
  const tokens = new Map([
    ["a", "token-a"],
    ["b", "token-b"],
  ]);
  const oneinbox = createOneInboxReceiver({ auth: { token: ({ params }) => tokens.get(params["tenant"] ?? "") } });
  const seen: string[] = [];
  oneinbox.on("call.ended", (e) => void seen.push(`${e.meta.params["tenant"]}:${e.id}`));
  const app = express();
  app.use("/hooks/oneinbox/:tenant", oneinbox.router);
  const b = oneInboxDelivery("call.ended", { token: "token-b" });
  const a = oneInboxDelivery("call.ended", { token: "token-a", overrides: { call_id: b.payload.call_id } });
  expect((await request(app).post("/hooks/oneinbox/b").set(b.headers).send(b.body)).body).toEqual({ ok: true });
  expect((await request(app).post("/hooks/oneinbox/a").set(a.headers).send(a.body)).body).toEqual({ ok: true });
  expect(seen).toEqual([`b:call.ended:${b.payload.call_id}`, `a:call.ended:${b.payload.call_id}`]);
});
