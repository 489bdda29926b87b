import { createServer, type Server } from "node:http";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify, { type FastifyPluginAsync } from "fastify";
import { Hono } from "hono";
import { createWebhookFetchHandler } from "../../lib/adapters/webhook-fetch-handler.js";
import { createWebhookMiddleware } from "../../lib/adapters/webhook-middleware.js";
import { createMisskeyReceiver, type MisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { PATH, type WireAnswer, type WireRequest } from "./bad-input-table.js";
import { fromResponse, portOf, sendOverHttp, toFetchRequest } from "./wire.js";

/** A door opened in front of a receiver: send wire requests through it, then close it. */
export interface OpenDoor {
  send(wire: WireRequest): Promise<WireAnswer>;
  close(): Promise<void>;
}

export interface Door {
  readonly name: string;
  open(receiver: MisskeyReceiver): Promise<OpenDoor>;
}

async function listen(server: Server): Promise<OpenDoor> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return doorOn(server);
}

/** A door over a server already listening on loopback. */
function doorOn(server: Server): OpenDoor {
  const port = portOf(server.address());
  return {
    send: (wire) => sendOverHttp(port, PATH, wire),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * The README's Fastify door: a plugin of its own, so that Fastify reads no body there
 * (the receiver's limit, timeout and auth-before-body apply) while the rest of the app
 * keeps its parsers.
 */
export function fastifyWebhooks(receiver: MisskeyReceiver): FastifyPluginAsync {
  return (hooks) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser("*", (_request, _payload, done) => {
      done(null);
    });
    hooks.all(PATH, (request, reply) => {
      reply.hijack();
      receiver.handler(request.raw, reply.raw);
    });
    return Promise.resolve();
  };
}

/** Another receiver on the same middleware: the table's requests must not reach it. */
function bystander(): MisskeyReceiver {
  return createMisskeyReceiver({ secret: "bystander", logger: false });
}

export const doors: readonly Door[] = [
  {
    name: "Express: app.use(path, receiver.router)",
    open: (receiver) => listen(createServer(express().use(PATH, receiver.router))),
  },
  {
    name: "Express: app.post(path, receiver.handler)",
    open: (receiver) => listen(createServer(express().all(PATH, receiver.handler))),
  },
  {
    name: "node:http: receiver.handler",
    open: (receiver) =>
      listen(
        createServer((req, res) => {
          receiver.handler(req, res);
        }),
      ),
  },
  {
    name: "receiver.fetch with Node's Request",
    open: (receiver) =>
      Promise.resolve({
        send: async (wire) => fromResponse(await receiver.fetch(toFetchRequest(`http://127.0.0.1${PATH}`, wire))),
        close: () => Promise.resolve(),
      }),
  },
  {
    name: "Hono on @hono/node-server: receiver.fetch(c.req.raw)",
    open: async (receiver) => {
      const app = new Hono();
      app.all(PATH, (c) => receiver.fetch(c.req.raw));
      const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
      if (!server.listening) await new Promise((resolve) => server.once("listening", resolve));
      return doorOn(server);
    },
  },
  {
    name: "Fastify: body left raw, receiver.handler(request.raw, reply.raw)",
    open: async (receiver) => {
      const fastify = Fastify();
      await fastify.register(fastifyWebhooks(receiver));
      await fastify.listen({ port: 0, host: "127.0.0.1" });
      const port = portOf(fastify.server.address());
      return {
        send: (wire) => sendOverHttp(port, PATH, wire),
        close: async () => {
          fastify.server.closeAllConnections();
          await fastify.close();
        },
      };
    },
  },
  {
    name: "createWebhookMiddleware on node:http",
    open: (receiver) => listen(createServer(createWebhookMiddleware({ [PATH]: receiver, "/hooks/other": bystander() }))),
  },
  {
    name: "createWebhookMiddleware in Express",
    open: (receiver) => listen(createServer(express().use(createWebhookMiddleware({ [PATH]: receiver, "/hooks/other": bystander() })))),
  },
  {
    name: "createWebhookFetchHandler with Node's Request",
    open: (receiver) => {
      const hooks = createWebhookFetchHandler({ [PATH]: receiver, "/hooks/other": bystander() });
      return Promise.resolve({
        send: async (wire) => fromResponse(await hooks(toFetchRequest(`http://127.0.0.1${PATH}?from=table`, wire))),
        close: () => Promise.resolve(),
      });
    },
  },
];
