// The doors beyond Express, compiled against the types users have: fetch runtimes, Hono, Fastify.
import { createServer } from "node:http";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { expectTypeOf } from "expect-type";
import {
  createFetchHandler,
  createMisskeyReceiver,
  createOkskyReceiver,
  createWebhookFetchHandler,
  createWebhookMiddleware,
  type FetchHandler,
  type NodeHandler,
} from "../../lib/index.js";

const misskey = createMisskeyReceiver({ secret: "s" });
const oksky = createOkskyReceiver({ secret: "s" });

expectTypeOf(misskey.fetch).toEqualTypeOf<FetchHandler>();
expectTypeOf(createFetchHandler(misskey)).toEqualTypeOf<FetchHandler>();

// Next.js route handler, Bun, Workers.
export const POST: (request: Request) => Promise<Response> = misskey.fetch;
export const workers = {
  fetch: (request: Request) => misskey.fetch(request, { remoteAddress: request.headers.get("cf-connecting-ip") ?? undefined }),
};

// Hono on Node.
const app = new Hono();
app.all("/hooks/misskey", (c) => misskey.fetch(c.req.raw));
app.all("/hooks/:tenant/misskey", (c) => misskey.fetch(c.req.raw, { params: c.req.param() }));
serve({ fetch: app.fetch, port: 0 });

// Fastify, body left to the receiver.
const fastify = Fastify();
fastify.removeAllContentTypeParsers();
fastify.addContentTypeParser("*", (_request, _payload, done) => {
  done(null);
});
fastify.all("/hooks/misskey", (request, reply) => {
  reply.hijack();
  misskey.handler(request.raw, reply.raw);
});

// Several receivers on one middleware / one fetch handler.
const hooks = createWebhookMiddleware({ "/hooks/misskey": misskey, "/hooks/oksky": oksky });
expectTypeOf(hooks).toEqualTypeOf<NodeHandler>();
express().use(hooks);
createServer(hooks);
const fetchHooks = createWebhookFetchHandler({ "/hooks/misskey": misskey, "/hooks/oksky": oksky });
export const GET_OR_POST: (request: Request) => Promise<Response> = fetchHooks;

// @ts-expect-error: a path maps to a receiver, not to a function
createWebhookMiddleware({ "/hooks/misskey": misskey.handler });
createServer((req) => {
  // @ts-expect-error: fetch takes a Request, not Node's IncomingMessage
  // eslint-disable-next-line @typescript-eslint/no-unsafe-class-instance-assignment -- the misuse under test
  void misskey.fetch(req);
});
