import type { DedupeStore } from "./types.js";

/**
 * The one method of an ioredis client (`Redis` or `Cluster`) these stores use:
 * `call(command, ...args)`. Typed structurally, so that neither this package nor its
 * types load ioredis; pass the client you already have.
 */
export interface RedisClient {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisStoreOptions {
  /** Put before every key, to share one Redis database with other data. @default "" */
  prefix?: string;
}

/**
 * A {@link DedupeStore} in Redis, so that several instances behind a load balancer
 * share what they have seen. `set` with `onlyIfAbsent` is `SET key value PX ttl NX`:
 * one atomic command, so of N instances claiming one delivery exactly one wins.
 *
 * @example
 * import { Redis } from "ioredis";
 * const dedupe = new RedisStore(new Redis(process.env.REDIS_URL!));
 */
export class RedisStore implements DedupeStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, { prefix = "" }: RedisStoreOptions = {}) {
    if (typeof redis?.call !== "function") throw new TypeError("RedisStore needs an ioredis client (new Redis(url)).");
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#redis.call("GET", this.#prefix + key);
    return typeof value === "string" ? value : undefined;
  }

  async set(key: string, value: string, { ttlMs, onlyIfAbsent = false }: { ttlMs: number; onlyIfAbsent?: boolean }): Promise<boolean> {
    // PX takes a positive integer; rounding up keeps a key at least as long as asked.
    const px = Math.max(1, Math.ceil(ttlMs));
    const args = onlyIfAbsent ? [this.#prefix + key, value, "PX", px, "NX"] : [this.#prefix + key, value, "PX", px];
    return (await this.#redis.call("SET", ...args)) === "OK";
  }

  async delete(key: string): Promise<void> {
    await this.#redis.call("DEL", this.#prefix + key);
  }
}
