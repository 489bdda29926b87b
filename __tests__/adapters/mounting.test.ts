import express from "express";
import type { RequestListener } from "node:http";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { closeServed, served } from "../fixtures/served.js";
import { recordingLogger, settle } from "../fixtures/test-receiver.js";

// How a receiver's router can be mounted, and what it says when it cannot answer.

const SECRET = "mount-secret";
const secrets: Record<string, string> = { acme: "acme-secret", globex: "globex-secret" };

afterEach(closeServed);

function misskey() {
  const logger = recordingLogger();
  const receiver = createMisskeyReceiver({ secret: SECRET, logger });
  const notes: string[] = [];
  receiver.on("note", (e) => void notes.push(e.payload.body.note.text ?? ""));
  return { receiver, notes, logger };
}

/** Misskey with a secret per tenant, found from the route's `:tenant`. */
function tenantMisskey() {
  const receiver = createMisskeyReceiver({ secret: ({ params }) => secrets[params["tenant"] ?? ""] });
  const tenants: (string | undefined)[] = [];
  receiver.on("note", (e) => void tenants.push(e.meta.params["tenant"]));
  return { receiver, tenants };
}

const delivery = (secret = SECRET) => misskeyDelivery("note", { secret });

/** Waits (a bounded number of turns, no timing) until the logger has been called. */
async function logged(logger: ReturnType<typeof recordingLogger>): Promise<void> {
  for (let turn = 0; turn < 50 && logger.calls.length === 0; turn += 1) await settle();
}

describe("the router mounted as a route handler (the @line/bot-sdk habit)", () => {
  test("app.post(path, receiver.router) answers and the listener runs", async () => {
    const { receiver, notes, logger } = misskey();
    const app = express();
    app.post("/hooks/misskey", receiver.router);
    const http = await served(app);
    const d = delivery();
    const res = await http.post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(notes).toEqual(["Hello, fediverse!"]);
    const forged = delivery("wrong");
    expect((await http.post("/hooks/misskey?from=x").set(forged.headers).send(forged.body)).status).toBe(401);
    expect(logger.calls.filter((c) => c.level === "warn" && String(c.args[1]).includes("receiver.router"))).toEqual([]);
  });

  test("app.post with route params: each tenant's secret is found, the params reach event.meta", async () => {
    const { receiver, tenants } = tenantMisskey();
    const app = express();
    app.post("/hooks/misskey/:tenant", receiver.router);
    const http = await served(app);
    const acme = delivery("acme-secret");
    expect((await http.post("/hooks/misskey/acme").set(acme.headers).send(acme.body)).status).toBe(200);
    const crossed = delivery("acme-secret");
    expect((await http.post("/hooks/misskey/globex").set(crossed.headers).send(crossed.body)).status).toBe(401);
    expect(tenants).toEqual(["acme"]);
  });

  test("router.post(path, receiver.router) inside a router mounted elsewhere", async () => {
    const { receiver, notes } = misskey();
    const hooks = express.Router();
    hooks.post("/misskey", receiver.router);
    const app = express();
    app.use("/hooks", hooks);
    const http = await served(app);
    const d = delivery();
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  test("app.all(path, receiver.router): POST answers, other methods get our 405", async () => {
    const { receiver, notes } = misskey();
    const app = express();
    app.all("/hooks/misskey", receiver.router);
    const http = await served(app);
    const d = delivery();
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    const get = await http.get("/hooks/misskey");
    expect(get.status).toBe(405);
    expect(get.body.error).toBe("method_not_allowed");
    expect(notes).toHaveLength(1);
  });

  test("with routes added to receiver.router, a route mount still answers", async () => {
    const { receiver, notes } = misskey();
    receiver.router.get("/health", (_req, res) => void res.json({ up: true }));
    const app = express();
    app.post("/hooks/misskey", receiver.router);
    const http = await served(app);
    const d = delivery();
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  test("app.use(path, router): a sub-path is still not ours (404), even after a route that passed it on", async () => {
    const { receiver, notes } = misskey();
    const app = express();
    // Express leaves req.route set after this route calls next(): no proof of a route mount.
    app.post("/x/extra", (_req, _res, next) => {
      next();
    });
    app.use("/x", receiver.router);
    const http = await served(app);
    const d = delivery();
    expect((await http.post("/x/extra").set(d.headers).send(d.body)).status).toBe(404);
    expect((await http.post("/x").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });

  test("http.createServer(receiver.router): a router without Express around it answers too", async () => {
    const { receiver, notes } = misskey();
    const http = await served(receiver.router as unknown as RequestListener);
    const d = delivery();
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(notes).toHaveLength(1);
  });
});

describe("a misrouted POST explains itself, once", () => {
  test("app.use('/hooks', router) and a POST to /hooks/misskey: 404 as before, one warning saying how to mount", async () => {
    const { receiver, notes, logger } = misskey();
    const app = express();
    app.use("/hooks", receiver.router);
    const http = await served(app);
    const d = delivery();
    for (let i = 0; i < 3; i += 1) expect((await http.post("/hooks/misskey?token=s3cr3t").set(d.headers).send(d.body)).status).toBe(404);
    await logged(logger);
    await settle();
    expect(notes).toEqual([]);
    expect(logger.calls).toHaveLength(1);
    const [{ level, args }] = logger.calls as [{ level: string; args: [object, string] }];
    expect(level).toBe("warn");
    expect(args[0]).toEqual({ provider: "misskey", method: "POST", path: "/hooks/misskey", mountPath: "/hooks" });
    expect(args[1]).toContain("answered 404");
    expect(args[1]).toContain('("/hooks" here)');
    expect(args[1]).toContain('app.use("/hooks/misskey", receiver.router)');
    expect(args[1]).toContain('app.post("/hooks/misskey", receiver.handler)');
    expect(JSON.stringify(logger.calls)).not.toContain("s3cr3t");
    expect(JSON.stringify(logger.calls)).not.toContain(SECRET);
  });

  test("a router mounted at the root with other POST routes: their requests are not called misrouted", async () => {
    const { receiver, logger } = misskey();
    const app = express();
    app.use(receiver.router);
    app.post("/api/login", (_req, res) => void res.json({ ok: true }));
    const http = await served(app);
    expect((await http.post("/api/login").send({})).status).toBe(200);
    expect((await http.get("/nowhere")).status).toBe(404);
    await settle();
    expect(logger.calls).toEqual([]);
    // A POST nobody answers is: the webhook URL points below the mount.
    expect((await http.post("/hooks/misskey").send({})).status).toBe(404);
    await logged(logger);
    expect(logger.calls).toHaveLength(1);
    expect(logger.calls[0]!.args[0]).toMatchObject({ path: "/hooks/misskey", mountPath: "/" });
  });

  test("a router wrapped in a function of its own cannot tell it is a route: it says so", async () => {
    const { receiver, logger } = misskey();
    const app = express();
    app.post("/hooks/misskey", (req, res, next) => {
      receiver.router(req, res, next);
    });
    const http = await served(app);
    const d = delivery();
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(404);
    await logged(logger);
    expect(String(logger.calls[0]?.args[1])).toContain('app.post("/hooks/misskey", receiver.handler)');
  });
});

describe("the router's own matching is skipped while nothing was added to it (BENCHMARKS.md, P6)", () => {
  /** How often the router's layers were matched against a request. */
  function countMatches(router: express.Router): { count: number } {
    const counter = { count: 0 };
    for (const layer of router.stack as unknown as { match: (path: string) => boolean }[]) {
      const match = layer.match.bind(layer);
      layer.match = (path) => {
        counter.count += 1;
        return match(path);
      };
    }
    return counter;
  }

  test("app.use(path, router): the mount path is answered without the router's layers; once a route is added, through them", async () => {
    const { receiver, notes } = misskey();
    const app = express();
    app.use("/hooks/misskey", receiver.router);
    const http = await served(app);
    const matches = countMatches(receiver.router);
    expect((await http.post("/hooks/misskey").set(delivery().headers).send(delivery().body)).status).toBe(200);
    expect(matches.count).toBe(0);
    receiver.router.get("/health", (_req, res) => void res.json({ up: true }));
    const counted = countMatches(receiver.router);
    expect((await http.get("/hooks/misskey/health")).body).toEqual({ up: true });
    const d = misskeyDelivery("note", { secret: SECRET, eventId: "second" } as never);
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(counted.count).toBeGreaterThan(0);
    expect(notes.length).toBeGreaterThanOrEqual(1);
  });
});
