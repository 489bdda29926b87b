import type { DedupeStore } from "./types.js";

/**
 * What these stores use of an ioredis client (`Redis` or `Cluster`): `call(command,
 * ...args)`, and, where the client has them, its connection `status` and its `"ready"`
 * event. Typed structurally, so that neither this package nor its types load ioredis;
 * pass the client you already have.
 */
export interface RedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  /** ioredis's connection state (`"ready"`, `"reconnecting"`, ...). */
  readonly status?: string;
  once?(event: "ready", listener: () => void): unknown;
}

/** How long one command may take, connecting included, unless told otherwise. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 1000;

export interface RedisStoreOptions {
  /** Put before every key, to share one Redis database with other data. @default "" */
  prefix?: string;
  /**
   * Longest wait for one command, including the wait for a connection: past it the
   * command fails and the delivery is answered 503 `store_unavailable` (a resending
   * provider tries again) instead of hanging while Redis is away. `Infinity` waits as
   * long as the client does. @default 1000
   */
  commandTimeoutMs?: number;
}

/**
 * A {@link DedupeStore} in Redis, so that several instances behind a load balancer
 * share what they have seen. `set` with `onlyIfAbsent` is `SET key value PX ttl NX`:
 * one atomic command, so of N instances claiming one delivery exactly one wins.
 *
 * While Redis is unreachable every call fails within `commandTimeoutMs`. Claims and
 * reads are only sent on a ready connection; "done" and releases stay queued in the
 * client and are written when the connection is back. A claim already sent when the
 * connection drops (or to a paused server) can still land after its caller gave up:
 * dedupe then releases it with `deleteIf` (queued behind it) and, since claims are
 * leases renewed with `renew`, it would expire within 30 s anyway.
 *
 * @example
 * import { Redis } from "ioredis";
 * const dedupe = new RedisStore(new Redis(process.env.REDIS_URL!));
 */
export class RedisStore implements DedupeStore {
  readonly #raw: RedisClient;
  readonly #redis: RedisClient;
  readonly #timeoutMs: number;
  readonly #prefix: string;

  constructor(redis: RedisClient, { prefix = "", commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS }: RedisStoreOptions = {}) {
    // Checked at run time for JavaScript callers, whatever the types say.
    if (typeof (redis as Partial<RedisClient> | undefined)?.call !== "function")
      throw new TypeError("RedisStore needs an ioredis client (new Redis(url)).");
    this.#raw = redis;
    this.#redis = boundedRedisClient(redis, commandTimeoutMs);
    this.#timeoutMs = commandTimeoutMs;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#redis.call("GET", this.#prefix + key);
    return typeof value === "string" ? value : undefined;
  }

  async set(key: string, value: string, { ttlMs, onlyIfAbsent = false }: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    // PX takes a positive integer; rounding up keeps a key at least as long as asked.
    const px = Math.max(1, Math.ceil(ttlMs));
    if (onlyIfAbsent) return (await this.#redis.call("SET", this.#prefix + key, value, "PX", px, "NX")) === "OK";
    // An overwrite ("done") records what already happened: better late than never.
    return (await settleLater(this.#raw.call("SET", this.#prefix + key, value, "PX", px), this.#timeoutMs, "SET")) === "OK";
  }

  async delete(key: string): Promise<void> {
    // A release, too: if it lands late, the provider's resends are held off less long.
    await settleLater(this.#raw.call("DEL", this.#prefix + key), this.#timeoutMs, "DEL");
  }

  /**
   * Compare-and-delete in one Lua script. Queued in the client like `delete`: sent on
   * reconnection after the commands the lost connection left unanswered (ioredis resends
   * those first), so it lands after a claim of the same attempt that had not landed yet.
   */
  async deleteIf(key: string, value: string): Promise<boolean> {
    const reply = this.#raw.call("EVAL", DELETE_IF, 1, this.#prefix + key, value);
    return (await settleLater(reply, this.#timeoutMs, "EVAL (delete if)")) === 1;
  }

  /** Compare-and-pexpire in one Lua script; fails within `commandTimeoutMs` like a claim (a renewal is not worth queueing). */
  async renew(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.#redis.call("EVAL", RENEW, 1, this.#prefix + key, value, Math.max(1, Math.ceil(ttlMs)))) === 1;
  }
}

// Lua scripts (Redis 2.6+): Redis 7, Debian's included, has no compare-and-delete or compare-and-expire command.
const DELETE_IF = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;
const RENEW = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("PEXPIRE", KEYS[1], ARGV[2]) end return 0`;

/**
 * Wraps a client so that a command is sent only on a ready connection and fails after
 * `timeoutMs`, the wait for the connection included. ioredis otherwise queues commands
 * while disconnected and retries them for over a minute (`maxRetriesPerRequest` 20
 * with its backoff), then runs them whenever the connection comes back: a claim that
 * lands after its caller gave up holds a lock nobody owns.
 *
 * A command already sent when the time runs out (a stalled server) may still run on
 * the server later: no client can take it back.
 */
export function boundedRedisClient(redis: RedisClient, timeoutMs: number = DEFAULT_COMMAND_TIMEOUT_MS): RedisClient {
  checkTimeout(timeoutMs);
  return { call: (command, ...args) => callWithin(redis, timeoutMs, command, args) };
}

/**
 * Waits at most `timeoutMs` for a write that records what already happened (done,
 * released), but lets it go on: ioredis keeps it queued while disconnected and sends
 * it on reconnection (before commands that waited for the connection), so a "done"
 * written late still spares a second dispatch. Never for claims. (Its own timer, not
 * core's withTimeout: the stores and the CLI over them stand without lib/core.)
 */
export function settleLater<T>(write: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  if (!Number.isFinite(timeoutMs)) return write;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${what} not confirmed by Redis within ${timeoutMs} ms; it is sent when the connection is back.`));
    }, timeoutMs);
    write.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(asError(error));
      },
    );
  });
}

/** Throws unless `timeoutMs` is a positive number (Infinity included). */
function checkTimeout(timeoutMs: number): void {
  if (!(timeoutMs > 0)) throw new TypeError("commandTimeoutMs must be a positive number of milliseconds (or Infinity).");
}

function callWithin(redis: RedisClient, timeoutMs: number, command: string, args: (string | number)[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let cancelWait: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (outcome: { reply: unknown } | { error: Error }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if ("error" in outcome) reject(outcome.error);
      else resolve(outcome.reply);
    };
    const send = (): void => {
      cancelWait = undefined;
      if (settled) return;
      let reply: Promise<unknown>;
      try {
        reply = redis.call(command, ...args);
      } catch (error) {
        // Sent from the client's "ready" event, a throw must not reach its emitter.
        finish({ error: asError(error) });
        return;
      }
      reply.then(
        (value) => {
          finish({ reply: value });
        },
        (error: unknown) => {
          finish({ error: asError(error) });
        },
      );
    };
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        cancelWait?.();
        const { status } = redis;
        const why = status === undefined || status === "ready" ? "no reply from Redis" : `no connection to Redis (${status})`;
        finish({ error: new Error(`${command} failed: ${why} within ${timeoutMs} ms.`) });
      }, timeoutMs);
    }
    if (waitsForConnection(redis)) cancelWait = whenReady(redis, send);
    else send();
  });
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * A client between connections would queue the command (ioredis's offline queue).
 * "wait" (lazyConnect, never connected) and "end" (quit) are left to the client: the
 * first connects on the first command, the second fails at once.
 */
function waitsForConnection(redis: RedisClient): redis is RedisClient & Required<Pick<RedisClient, "once">> {
  const { status } = redis;
  return typeof status === "string" && status !== "ready" && status !== "wait" && status !== "end" && typeof redis.once === "function";
}

// One "ready" listener per client however many commands wait on it, so that an outage
// under load never trips Node's MaxListenersExceededWarning.
const waiting = new WeakMap<RedisClient, Set<() => void>>();

function whenReady(redis: RedisClient & Required<Pick<RedisClient, "once">>, callback: () => void): () => void {
  let callbacks = waiting.get(redis);
  if (callbacks === undefined) {
    const set = new Set<() => void>();
    callbacks = set;
    waiting.set(redis, set);
    redis.once("ready", () => {
      waiting.delete(redis);
      for (const ready of set) ready();
    });
  }
  const set = callbacks;
  set.add(callback);
  return () => {
    set.delete(callback);
  };
}
