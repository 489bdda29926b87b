import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOneInboxReceiver } from "../../lib/providers/oneinbox/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { oneInboxDelivery } from "../../lib/testing/samples/oneinbox.js";

// receiver.fetch: Node's own Request and Response, no server, no mocks.

const SECRET = "fetch-secret";
const URL_ = "http://127.0.0.1/hooks/misskey";

/** A body that counts what is pulled from it and whether it was cancelled; `endless` never ends. */
function watchedBody(chunk: Uint8Array, count: number | "endless") {
  const watch = { pulledBytes: 0, pulls: 0, cancelled: false };
  let left = count;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (left !== "endless" && left-- <= 0) {
        controller.close();
        return;
      }
      watch.pulls++;
      watch.pulledBytes += chunk.length;
      controller.enqueue(chunk);
    },
    cancel() {
      watch.cancelled = true;
    },
  });
  return { stream, watch };
}

function post(headers: Record<string, string>, body: string | Buffer | ReadableStream<Uint8Array>, url = URL_): Request {
  return new Request(url, { method: "POST", headers, body, duplex: "half" });
}

test("a delivery: 200, its listener runs, the answer is a Response with the receiver's headers", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, logger: false });
  const texts: (string | null | undefined)[] = [];
  misskey.on("note", (e) => void texts.push(e.payload.body.note.text));
  const d = misskeyDelivery("note", { secret: SECRET });
  const response = await misskey.fetch(post(d.headers, d.body));
  expect(response).toBeInstanceOf(Response);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("application/json; charset=utf-8");
  expect(response.headers.get("cache-control")).toBe("no-store");
  expect(await response.json()).toEqual({ ok: true });
  expect(texts).toEqual(["Hello, fediverse!"]);
});

test("built once, and needs no `this`: `export const POST = misskey.fetch` works", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, logger: false });
  expect(misskey.fetch).toBe(misskey.fetch);
  const { fetch: POST } = misskey;
  const d = misskeyDelivery("note", { secret: SECRET });
  expect((await POST(post(d.headers, d.body))).status).toBe(200);
});

test("a wrong secret is refused without reading the body (nothing past the stream's own one-chunk prefetch), and the body is cancelled", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, logger: false });
  const d = misskeyDelivery("note", { secret: "wrong" });
  const { stream, watch } = watchedBody(new Uint8Array(1024), "endless");
  const response = await misskey.fetch(post(d.headers, stream));
  expect(response.status).toBe(401);
  expect(await response.json()).toMatchObject({ error: "signature_mismatch" });
  expect(watch.pulledBytes).toBeLessThanOrEqual(1024);
  expect(watch.cancelled).toBe(true);
});

test("a Content-Length over the limit is refused before reading, and the body is cancelled", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, limit: 2048, logger: false });
  const d = misskeyDelivery("note", { secret: SECRET });
  const { stream, watch } = watchedBody(new Uint8Array(1024), "endless");
  const response = await misskey.fetch(post({ ...d.headers, "content-length": "999999999" }, stream));
  expect(response.status).toBe(413);
  expect(await response.json()).toMatchObject({ error: "body_too_large" });
  expect(watch.pulledBytes).toBeLessThanOrEqual(1024);
  expect(watch.cancelled).toBe(true);
});

test("an endless body without a length is cut off at the limit (bounded read, then cancelled)", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, limit: 4096, logger: false });
  const d = misskeyDelivery("note", { secret: SECRET });
  const { stream, watch } = watchedBody(new Uint8Array(1024), "endless");
  const response = await misskey.fetch(post(d.headers, stream));
  expect(response.status).toBe(413);
  expect(await response.json()).toMatchObject({ error: "body_too_large" });
  // The limit plus what the stream adapter reads ahead (16 KiB): never the whole body.
  expect(watch.pulledBytes).toBeLessThan(64 * 1024);
  expect(watch.cancelled).toBe(true);
});

test("?token= in the URL authenticates (OneInbox), and a wrong one is 401", async () => {
  const oneinbox = createOneInboxReceiver({ auth: { token: "url-token" }, logger: false });
  const good = oneInboxDelivery("call.started");
  const ok = await oneinbox.fetch(post(good.headers, good.body, "http://127.0.0.1/hooks/oneinbox?token=url-token#frag"));
  expect(ok.status).toBe(200);
  const bad = oneInboxDelivery("call.started");
  const refused = await oneinbox.fetch(post(bad.headers, bad.body, "http://127.0.0.1/hooks/oneinbox?token=nope"));
  expect(refused.status).toBe(401);
  expect(await refused.json()).toMatchObject({ error: "signature_mismatch" });
});

test("remoteAddress: a Request has none, so allowIps refuses (403) unless the second argument gives it", async () => {
  const oneinbox = createOneInboxReceiver({ auth: { allowIps: ["10.0.0.0/8"] }, logger: false });
  const first = oneInboxDelivery("call.started");
  const unknown = await oneinbox.fetch(post(first.headers, first.body));
  expect(unknown.status).toBe(403);
  expect(await unknown.json()).toMatchObject({ error: "ip_not_allowed" });
  const second = oneInboxDelivery("call.started");
  expect((await oneinbox.fetch(post(second.headers, second.body), { remoteAddress: "10.1.2.3" })).status).toBe(200);
  const third = oneInboxDelivery("call.started");
  expect((await oneinbox.fetch(post(third.headers, third.body), { remoteAddress: "192.0.2.1" })).status).toBe(403);
});

test("params from the second argument reach secret resolvers and event.meta.params", async () => {
  const secrets = new Map([["acme", "acme-secret"]]);
  const misskey = createMisskeyReceiver({ secret: ({ params }) => secrets.get(params["tenant"] ?? ""), logger: false });
  const tenants: (string | undefined)[] = [];
  misskey.on("note", (e) => void tenants.push(e.meta.params["tenant"]));
  const d = misskeyDelivery("note", { secret: "acme-secret" });
  expect((await misskey.fetch(post(d.headers, d.body), { params: { tenant: "acme" } })).status).toBe(200);
  const crossed = misskeyDelivery("note", { secret: "acme-secret" });
  expect((await misskey.fetch(post(crossed.headers, crossed.body), { params: { tenant: "initech" } })).status).toBe(401);
  expect(tenants).toEqual(["acme"]);
});

test("a second argument that is not ours (Workers pass `env`, Next.js `{ params: Promise }`) is ignored", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, logger: false });
  const d = misskeyDelivery("note", { secret: SECRET });
  const env = { remoteAddress: 42, params: "nope", MY_BINDING: {} } as unknown as { remoteAddress?: string };
  expect((await misskey.fetch(post(d.headers, d.body), env)).status).toBe(200);
  const params: unknown[] = [];
  misskey.on("note", (e) => void params.push(e.meta.params));
  const next = { params: Promise.resolve({ tenant: "acme" }) } as unknown as { params?: Record<string, string> };
  const again = misskeyDelivery("note", { secret: SECRET });
  expect((await misskey.fetch(post(again.headers, again.body), next)).status).toBe(200);
  expect(params).toEqual([{}]);
  expect(params[0]).not.toBeInstanceOf(Promise);
});

test("a body something else read first: 500 internal_error, one error line saying why, no secret or detail to the sender", async () => {
  const lines: string[] = [];
  const logger = { warn: () => undefined, error: (_: object, message?: string) => void lines.push(message ?? "") };
  const misskey = createMisskeyReceiver({ secret: SECRET, logger });
  const d = misskeyDelivery("note", { secret: SECRET });
  const request = post(d.headers, d.body);
  await request.text();
  const response = await misskey.fetch(request);
  expect(response.status).toBe(500);
  expect(await response.json()).toEqual({ error: "internal_error", message: "The receiver failed unexpectedly." });
  expect(lines).toEqual([expect.stringContaining("the request body was read before the receiver")]);
});

test("no body at all: the same 400 as an empty body through the router", async () => {
  const misskey = createMisskeyReceiver({ secret: SECRET, logger: false });
  const d = misskeyDelivery("note", { secret: SECRET });
  const response = await misskey.fetch(new Request(URL_, { method: "POST", headers: d.headers }));
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ error: "malformed_body" });
});
