import Fastify from "fastify";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { PATH } from "./bad-input-table.js";
import { fastifyWebhooks } from "./doors.js";
import { portOf } from "./wire.js";

// The README's Fastify door: the receiver's plugin reads no body; the rest of the app keeps Fastify's JSON parser.

test("the receiver answers in its plugin while a route outside it still gets parsed JSON", async () => {
  const misskey = createMisskeyReceiver({ secret: "f-secret", limit: 1024, logger: false });
  const fastify = Fastify();
  await fastify.register(fastifyWebhooks(misskey));
  fastify.post("/api/echo", (request) => ({ got: request.body }));
  // A real server, not fastify.inject (its light-my-request needs Node 22's require(esm) under Jest).
  await fastify.listen({ port: 0, host: "127.0.0.1" });
  const base = `http://127.0.0.1:${portOf(fastify.server.address())}`;
  const inject = async ({ url, headers, payload }: { url: string; headers?: Record<string, string>; payload: unknown }) => {
    const json = typeof payload === "object" && !Buffer.isBuffer(payload);
    const response = await fetch(base + url, {
      method: "POST",
      headers: json ? { "content-type": "application/json" } : headers,
      body: json ? JSON.stringify(payload) : (payload as string),
    });
    const text = await response.text();
    return { statusCode: response.status, json: () => JSON.parse(text) as unknown };
  };
  try {
    const d = misskeyDelivery("note", { secret: "f-secret" });
    const delivered = await inject({ url: PATH, headers: d.headers, payload: d.body });
    expect(delivered.statusCode).toBe(200);
    expect(delivered.json()).toEqual({ ok: true });
    // Larger than the receiver's limit, far below Fastify's 1 MiB: the receiver's limit is the one that holds.
    const big = misskeyDelivery("note", { secret: "f-secret", overrides: { body: { note: { text: "x".repeat(4096) } } } });
    const refused = await inject({ url: PATH, headers: big.headers, payload: big.body });
    expect(refused.statusCode).toBe(413);
    expect(refused.json()).toMatchObject({ error: "body_too_large" });
    const echoed = await inject({ url: "/api/echo", payload: { a: 1 } });
    expect(echoed.json()).toEqual({ got: { a: 1 } });
  } finally {
    await fastify.close();
  }
});
