import express, { type Router } from "express";
import { request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { WebhookError } from "../../lib/core/errors.js";
import type { Delivery } from "../../lib/testing/delivery.js";

/** An Express app with routers mounted, listening on a real loopback socket. */
export interface LiveServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

/** Mounts each router at its path and listens on 127.0.0.1 on a free port. */
export function listen(routes: Record<string, Router>, before?: express.RequestHandler): Promise<LiveServer> {
  const app = express();
  if (before) app.use(before);
  for (const [path, router] of Object.entries(routes)) app.use(path, router);
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        server,
        port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => {
              done();
            });
          }),
      });
    });
  });
}

/** What came back for one request, and how long it took. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  ms: number;
}

/** POSTs a delivery over a fresh connection and reads the JSON answer. */
export function post(port: number, path: string, delivery: Delivery): Promise<Answer> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const headers = { ...delivery.headers, "content-length": String(Buffer.byteLength(delivery.body)), connection: "close" };
    const req = request({ host: "127.0.0.1", port, path, method: "POST", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({
          status: res.statusCode!,
          headers: res.headers,
          body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          ms: Date.now() - started,
        });
      });
    });
    req.on("error", reject);
    req.end(delivery.body);
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds, failing with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Collects what a receiver reports to `onError`. */
export function errorLog(): { errors: WebhookError[]; codes(): string[]; listener: (error: WebhookError) => void } {
  const errors: WebhookError[] = [];
  return { errors, codes: () => errors.map((e) => e.code), listener: (error) => void errors.push(error) };
}

/**
 * Records the timers set through this context's globals (the library's, not Node's or
 * Jest's own), so a test can tell which are still pending: a leak is one that stays.
 */
export function trackTimers(): { pending(): Set<unknown>; since(before: Set<unknown>): string[]; restore(): void } {
  const live = new Map<unknown, string>();
  const real = { setTimeout, clearTimeout, setInterval, clearInterval };
  const where = (): string =>
    (new Error().stack ?? "")
      .split("\n")
      .slice(3, 6)
      .map((line) => line.trim())
      .join(" < ");
  globalThis.setTimeout = Object.assign(
    (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
      const timer = real.setTimeout(
        (...passed: unknown[]) => {
          live.delete(timer);
          callback(...passed);
        },
        ms,
        ...args,
      );
      live.set(timer, `setTimeout(${ms}) at ${where()}`);
      return timer;
    },
    { __promisify__: real.setTimeout.__promisify__ },
  ) as typeof setTimeout;
  globalThis.setInterval = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = real.setInterval(callback, ms, ...args);
    live.set(timer, `setInterval(${ms}) at ${where()}`);
    return timer;
  }) as typeof setInterval;
  const clear = (timer: unknown): void => {
    live.delete(timer);
  };
  globalThis.clearTimeout = ((timer?: NodeJS.Timeout) => {
    clear(timer);
    real.clearTimeout(timer);
  }) as typeof clearTimeout;
  globalThis.clearInterval = ((timer?: NodeJS.Timeout) => {
    clear(timer);
    real.clearInterval(timer);
  }) as typeof clearInterval;
  return {
    pending: () => new Set(live.keys()),
    since: (before) => [...live].filter(([timer]) => !before.has(timer)).map(([, description]) => description),
    restore: () => Object.assign(globalThis, real),
  };
}
