import express from "express";
import { createHmac } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { keepRawBody } from "../../lib/index.js";
import type { VerifiableRequest } from "../../lib/core/auth/authenticator.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOneInboxReceiver } from "../../lib/providers/oneinbox/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { oneInboxDelivery } from "../../lib/testing/samples/oneinbox.js";
import { closeServed, served } from "../fixtures/served.js";
import { recordingLogger } from "../fixtures/test-receiver.js";

// A body parser in front of a receiver: what it costs is said once, and keepRawBody
// gives back the raw bytes the receiver needs.

const SECRET = "parsed-secret";
const HMAC_KEY = "hmac-key";

afterEach(closeServed);

function misskey(options: { limit?: number } = {}) {
  const logger = recordingLogger();
  const receiver = createMisskeyReceiver({ secret: SECRET, logger, ...options });
  const notes: string[] = [];
  receiver.on("note", (e) => void notes.push(e.payload.body.note.text ?? ""));
  return { receiver, notes, logger };
}

/** The body notices a logger was given (refusals are logged too: those have a `code`). */
const warnings = (logger: ReturnType<typeof recordingLogger>) =>
  logger.calls
    .filter((c) => c.level === "warn" && String(c.args[1]).includes("a body parser read the request body"))
    .map((c) => c.args as [Record<string, unknown>, string]);

/** OneInbox signed by a custom `verify` (HMAC of the raw body in X-Signature). */
function signedOneInbox() {
  const logger = recordingLogger();
  const rawBodies: (Buffer | undefined)[] = [];
  const verify = ({ rawBody, headers }: VerifiableRequest): boolean => {
    rawBodies.push(rawBody);
    return rawBody !== undefined && createHmac("sha256", HMAC_KEY).update(rawBody).digest("hex") === headers["x-signature"];
  };
  const receiver = createOneInboxReceiver({ auth: { verify }, logger });
  const calls: unknown[] = [];
  receiver.on("call.ended", (e) => void calls.push(e.payload));
  return { receiver, rawBodies, calls, logger };
}

function signed(body: string | Buffer, key = HMAC_KEY) {
  return createHmac("sha256", key).update(body).digest("hex");
}

describe("a global express.json() in front", () => {
  test("is noticed once per receiver, with what it costs and how to avoid it", async () => {
    const { receiver, notes, logger } = misskey();
    const app = express().use(express.json()).use("/hooks/misskey", receiver.router);
    const http = await served(app);
    for (let i = 0; i < 3; i += 1) {
      const d = misskeyDelivery("note", { secret: SECRET });
      expect((await http.post("/hooks/misskey?token=hidden").set(d.headers).send(d.body)).status).toBe(200);
    }
    expect(notes).toHaveLength(3);
    const said = warnings(logger);
    expect(said).toHaveLength(1);
    const [fields, message] = said[0]!;
    expect(fields).toEqual({ provider: "misskey", path: "/hooks/misskey" });
    expect(message).toContain("auth.verify gets no rawBody");
    expect(message).toContain("a forged body is read in full before it is refused");
    expect(message).toContain("that parser's limit and error pages apply");
    expect(message).toContain('app.use("/hooks/misskey", receiver.router) first');
    expect(message).toContain("express.json({ verify: keepRawBody })");
    expect(JSON.stringify(logger.calls)).not.toContain("hidden");
    expect(JSON.stringify(logger.calls)).not.toContain(SECRET);
  });

  test("the router and the handler of one receiver say it once between them", async () => {
    const { receiver, logger } = misskey();
    const app = express().use(express.json());
    app.use("/a", receiver.router);
    app.post("/b", receiver.handler);
    const http = await served(app);
    for (const path of ["/a", "/b", "/a", "/b"]) {
      const d = misskeyDelivery("note", { secret: SECRET });
      expect((await http.post(path).set(d.headers).send(d.body)).status).toBe(200);
    }
    expect(warnings(logger)).toHaveLength(1);
  });

  test("nothing is said when the receiver reads its own body", async () => {
    const { receiver, logger } = misskey();
    const app = express().use("/hooks/misskey", receiver.router).use(express.json());
    const http = await served(app);
    const d = misskeyDelivery("note", { secret: SECRET });
    expect((await http.post("/hooks/misskey").set(d.headers).send(d.body)).status).toBe(200);
    expect(logger.calls).toEqual([]);
  });

  test("without keepRawBody, verify gets no raw bytes: a receiver that needs them refuses every delivery", async () => {
    const { receiver, rawBodies, calls } = signedOneInbox();
    const http = await served(express().use(express.json()).use("/hooks", receiver.router));
    const d = oneInboxDelivery("call.ended");
    const res = await http
      .post("/hooks")
      .set({ ...d.headers, "x-signature": signed(d.body) })
      .send(d.body);
    expect(res.status).toBe(401);
    expect(rawBodies).toEqual([undefined]);
    expect(calls).toEqual([]);
  });

  test("bodies over its 100 kB default get Express's own HTML 413, never the receiver's answer", async () => {
    const { receiver, notes, logger } = misskey();
    const http = await served(express().use(express.json()).use("/hooks/misskey", receiver.router));
    const d = misskeyDelivery("note", { secret: SECRET, overrides: { body: { note: { text: "x".repeat(150 * 1024) } } } });
    const res = await http.post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(413);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(notes).toEqual([]);
    // The receiver never saw it: nothing it could say.
    expect(logger.calls).toEqual([]);
  });
});

describe("keepRawBody", () => {
  test("verify gets the raw bytes as sent; a forged body is refused; the cost is still said, once", async () => {
    const { receiver, rawBodies, calls, logger } = signedOneInbox();
    const http = await served(
      express()
        .use(express.json({ verify: keepRawBody }))
        .use("/hooks", receiver.router),
    );
    const d = oneInboxDelivery("call.ended");
    // Spacing a re-serialised body would lose: only the raw bytes match the signature.
    const body = JSON.stringify(d.payload, null, 2);
    const good = await http
      .post("/hooks")
      .set({ ...d.headers, "x-signature": signed(body) })
      .send(body);
    expect(good.status).toBe(200);
    expect(rawBodies[0]?.toString("utf8")).toBe(body);
    expect(calls).toEqual([d.payload]);

    const forged = await http
      .post("/hooks")
      .set({ ...d.headers, "x-signature": signed(body, "attacker-key") })
      .send(body);
    expect(forged.status).toBe(401);
    expect(forged.body.error).toBe("verification_failed");
    expect(calls).toHaveLength(1);

    const said = warnings(logger);
    expect(said).toHaveLength(1);
    expect(said[0]![1]).toContain("its raw bytes reached the receiver (keepRawBody)");
    expect(said[0]![1]).toContain("a forged body is still read in full before it is refused");
  });

  test("the receiver parses the kept bytes itself: what listeners get is what was verified", async () => {
    const { receiver, calls } = signedOneInbox();
    // A reviver stands for any parser that changes what it parses.
    const reviver = (key: string, value: unknown) => (key === "outcome" ? "tampered" : value);
    const http = await served(
      express()
        .use(express.json({ verify: keepRawBody, reviver }))
        .use("/hooks", receiver.router),
    );
    const d = oneInboxDelivery("call.ended");
    const res = await http
      .post("/hooks")
      .set({ ...d.headers, "x-signature": signed(d.body) })
      .send(d.body);
    expect(res.status).toBe(200);
    expect(calls).toEqual([expect.objectContaining({ outcome: "Appointment Booked" })]);
  });

  test("the receiver's own limit applies to the kept bytes (its JSON 413, not the parser's)", async () => {
    const { receiver, notes } = misskey({ limit: 1000 });
    const app = express()
      .use(express.json({ verify: keepRawBody, limit: "5mb" }))
      .use("/hooks/misskey", receiver.router);
    const http = await served(app);
    const d = misskeyDelivery("note", { secret: SECRET, overrides: { body: { note: { text: "x".repeat(2000) } } } });
    const res = await http.post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("body_too_large");
    expect(notes).toEqual([]);
  });

  test("works for the handler and for an app's own `req.rawBody = buf`", async () => {
    const { receiver, rawBodies } = signedOneInbox();
    const own = (req: IncomingMessage & { rawBody?: Buffer }, _res: unknown, buf: Buffer) => {
      req.rawBody = buf;
    };
    const app = express();
    app.post("/kept", express.json({ verify: keepRawBody }), receiver.handler);
    app.post("/own", express.json({ verify: own }), receiver.handler);
    const http = await served(app);
    for (const path of ["/kept", "/own"]) {
      const d = oneInboxDelivery("call.ended");
      const res = await http
        .post(path)
        .set({ ...d.headers, "x-signature": signed(d.body) })
        .send(d.body);
      expect(res.status).toBe(200);
    }
    expect(rawBodies.map((b) => b instanceof Buffer)).toEqual([true, true]);
  });
});
