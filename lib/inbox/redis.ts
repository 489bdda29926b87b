import { boundedRedisClient, DEFAULT_COMMAND_TIMEOUT_MS, settleLater, type RedisClient } from "../stores/redis.js";
import { fromHashReply, toHashFields } from "./redis-hash.js";
import { addScript, completeScript, failScript, leaseScript, purgeScript, requeueScript } from "./redis-scripts.js";
import { byReceivedAsc, byReceivedDesc, checkPositiveInteger, DEFAULT_LIST_LIMIT, DEFAULT_RETAIN_MS } from "./records.js";
import type { InboxFilter, InboxRecord, InboxStore, NewInboxRecord, PurgeFilter, LeaseOptions } from "./types.js";

export interface RedisInboxOptions {
  /**
   * Put before every key this inbox uses. Keep a `{hash tag}` in it on Redis Cluster:
   * the scripts touch several keys, which must live in one slot.
   * @default "{ewr:inbox}"
   */
  prefix?: string;
  /** How long done records are kept (their hash expires; indexes are pruned as records complete). @default 7 days */
  retainMs?: number;
  /**
   * Longest wait for one command, including the wait for a connection: past it the
   * command fails, so a delivery is answered 503 `store_unavailable` (or, for a sender
   * that never resends, dispatched without the inbox) instead of hanging while Redis
   * is away. `Infinity` waits as long as the client does. @default 1000
   */
  commandTimeoutMs?: number;
}

/** Keys read per round trip when `list` walks the index. */
const WINDOW = 500;

/**
 * An {@link InboxStore} in Redis, for several instances behind a load balancer. A hash
 * per record; sorted sets of pending keys per provider (scored by `nextAttemptAt`),
 * of failed and done keys (by `updatedAt`) and of all keys (by `receivedAt`, for
 * listing). Every change is one Lua script, atomic on the server, so no two instances
 * ever lease one record.
 *
 * As durable as the server is told to be: with `appendonly yes` and
 * `appendfsync always` an acknowledged record survives a power loss; with the
 * default `everysec`, up to a second of changes may be lost.
 *
 * While Redis is unreachable every call fails within `commandTimeoutMs`. Commands are
 * only sent on a ready connection, so no record is stored late, after its delivery was
 * refused (or, for OK SKY, dispatched without the inbox); completions alone stay queued
 * in the client and are written when the connection is back.
 *
 * @example
 * import { Redis } from "ioredis";
 * const inbox = new RedisInbox(new Redis(process.env.REDIS_URL!));
 */
export class RedisInbox implements InboxStore {
  readonly #raw: RedisClient;
  readonly #redis: RedisClient;
  readonly #timeoutMs: number;
  readonly #retainMs: number;
  readonly #prefix: string;
  readonly #failed: string;
  readonly #done: string;
  readonly #all: string;
  readonly #providers: string;

  constructor(
    redis: RedisClient,
    { prefix = "{ewr:inbox}", retainMs = DEFAULT_RETAIN_MS, commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS }: RedisInboxOptions = {},
  ) {
    // Checked at run time for JavaScript callers, whatever the types say.
    if (typeof (redis as Partial<RedisClient> | undefined)?.call !== "function")
      throw new TypeError("RedisInbox needs an ioredis client (new Redis(url)).");
    checkPositiveInteger("retainMs", retainMs);
    this.#raw = redis;
    this.#redis = boundedRedisClient(redis, commandTimeoutMs);
    this.#timeoutMs = commandTimeoutMs;
    this.#retainMs = retainMs;
    this.#prefix = prefix;
    this.#failed = `${prefix}:failed`;
    this.#done = `${prefix}:done`;
    this.#all = `${prefix}:all`;
    this.#providers = `${prefix}:providers`;
  }

  async add(record: NewInboxRecord, { leaseMs, now }: { leaseMs: number; now: number }): Promise<boolean> {
    const leaseUntil = now + leaseMs;
    const args = [this.#prefix, record.key, record.provider, leaseUntil, record.receivedAt, ...toHashFields(record, leaseUntil, now)];
    return (await addScript.run(this.#redis, this.#keysFor(record.key), args)) === 1;
  }

  async leaseDue({ limit, leaseMs, now, provider }: LeaseOptions): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const reply = await leaseScript.run(this.#redis, this.#indexes(), [this.#prefix, now, now + leaseMs, limit, provider ?? ""]);
    return this.#records(reply).sort(byReceivedAsc);
  }

  async complete(key: string, { now }: { now: number }): Promise<void> {
    const args = [this.#prefix, key, now, this.#retainMs, now - this.#retainMs];
    // Sent even while disconnected (ioredis queues it): a "done" that lands late, before
    // the record's lease is taken again, spares a second dispatch.
    await settleLater(completeScript.run(this.#raw, this.#keysFor(key), args), this.#timeoutMs, "complete");
  }

  async fail(key: string, { error, retryAt, now }: { error: string; retryAt: number | undefined; now: number }): Promise<void> {
    const status = retryAt === undefined ? "failed" : "pending";
    await failScript.run(this.#redis, this.#keysFor(key), [this.#prefix, key, status, retryAt ?? now, error, now]);
  }

  async get(key: string): Promise<InboxRecord | undefined> {
    return fromHashReply(await this.#redis.call("HGETALL", this.#hash(key)));
  }

  async list({ status, provider, limit = DEFAULT_LIST_LIMIT }: InboxFilter = {}): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const wanted = (r: InboxRecord) => (status === undefined || r.status === status) && (provider === undefined || r.provider === provider);
    // Failures are few: read them all rather than walk every record to find them.
    if (status === "failed") {
      const records = await this.#getMany(await this.#members("ZRANGE", this.#failed, 0, -1));
      return records.filter(wanted).sort(byReceivedDesc).slice(0, limit);
    }
    const found: InboxRecord[] = [];
    for (let start = 0; found.length < limit; start += WINDOW) {
      const keys = await this.#members("ZREVRANGE", this.#all, start, start + WINDOW - 1);
      found.push(...(await this.#getMany(keys)).filter(wanted));
      if (keys.length < WINDOW) break;
    }
    return found.slice(0, limit);
  }

  async requeue(keys: readonly string[], { now }: { now: number }): Promise<number> {
    let count = 0;
    for (const chunk of chunks([...new Set(keys)])) {
      count += Number(await requeueScript.run(this.#redis, this.#indexes(), [this.#prefix, now, ...chunk]));
    }
    return count;
  }

  async purge({ status, provider, before }: PurgeFilter): Promise<number> {
    const index = status === "failed" ? this.#failed : status === "done" ? this.#done : this.#all;
    // Failed and done keys are scored by updatedAt, so `before` narrows them at once; the script rechecks all.
    const candidates =
      before !== undefined && (status === "failed" || status === "done")
        ? await this.#members("ZRANGEBYSCORE", index, "-inf", `(${before}`)
        : await this.#members("ZRANGE", index, 0, -1);
    const filter = [status ?? "", provider ?? "", before ?? ""];
    let count = 0;
    for (const chunk of chunks(candidates)) {
      count += Number(await purgeScript.run(this.#redis, this.#indexes(), [this.#prefix, ...filter, ...chunk]));
    }
    return count;
  }

  async counts(): Promise<{ pending: number; failed: number; done: number }> {
    const providers = await this.#members("SMEMBERS", this.#providers);
    const [failed, done, ...pending] = await Promise.all([
      this.#redis.call("ZCARD", this.#failed),
      // Done hashes expire on their own; their index entries may outlive them until pruned.
      this.#redis.call("ZCOUNT", this.#done, Date.now() - this.#retainMs, "+inf"),
      ...providers.map((provider) => this.#redis.call("ZCARD", `${this.#prefix}:pending:${provider}`)),
    ]);
    return { pending: pending.reduce((sum: number, n) => sum + Number(n), 0), failed: Number(failed), done: Number(done) };
  }

  /** Does nothing: the client is the caller's, who quits it. */
  async close(): Promise<void> {}

  #indexes(): string[] {
    return [this.#failed, this.#done, this.#all, this.#providers];
  }

  #keysFor(key: string): string[] {
    return [...this.#indexes(), this.#hash(key)];
  }

  #hash(key: string): string {
    return `${this.#prefix}:record:${key}`;
  }

  async #members(command: string, ...args: (string | number)[]): Promise<string[]> {
    const reply = await this.#redis.call(command, ...args);
    return Array.isArray(reply) ? reply.map(String) : [];
  }

  // Sent together, so ioredis pipelines them in one round trip.
  async #getMany(keys: readonly string[]): Promise<InboxRecord[]> {
    return this.#records(await Promise.all(keys.map((key) => this.#redis.call("HGETALL", this.#hash(key)))));
  }

  #records(replies: unknown): InboxRecord[] {
    if (!Array.isArray(replies)) return [];
    return replies.map(fromHashReply).filter((record): record is InboxRecord => record !== undefined);
  }
}

function* chunks<T>(items: readonly T[], size = 500): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
