import type { InboxFilter, InboxRecord, InboxStatus, InboxStore, NewInboxRecord, PurgeFilter, LeaseOptions } from "./types.js";
import {
  byReceivedDesc,
  byReceivedAsc,
  checkPositiveInteger,
  DEFAULT_LIST_LIMIT,
  DEFAULT_RETAIN_MS,
  matchesPurge,
  PRUNE_EVERY_MS,
} from "./records.js";
import { storedJson } from "./unstorable.js";

export interface MemoryInboxOptions {
  /** How long done records are kept (pruned opportunistically). @default 7 days */
  retainMs?: number;
}

/**
 * A record as kept here: payload and meta as JSON text, as the durable stores keep
 * them, so what cannot be stored there fails here too, and a listener that changes
 * its payload does not change what a retry gets.
 */
type Kept = Omit<InboxRecord, "payload" | "meta"> & { readonly payload: string | undefined; readonly meta: string | undefined };

/**
 * An {@link InboxStore} in this process's memory, for tests and single-process use.
 * Not durable: everything it holds is lost when the process ends. Prefer
 * `SqliteInbox` (one machine) or `RedisInbox` (several instances) in production.
 */
export class MemoryInbox implements InboxStore {
  readonly #records = new Map<string, Kept>();
  readonly #retainMs: number;
  #prunedAt = -Infinity;

  constructor({ retainMs = DEFAULT_RETAIN_MS }: MemoryInboxOptions = {}) {
    checkPositiveInteger("retainMs", retainMs);
    this.#retainMs = retainMs;
  }

  async add(record: NewInboxRecord, { leaseMs, now }: { leaseMs: number; now: number }): Promise<boolean> {
    if (this.#records.has(record.key)) return false;
    this.#records.set(record.key, {
      ...record,
      payload: record.payload === undefined ? undefined : storedJson("payload", record.payload),
      meta: record.meta === undefined ? undefined : storedJson("meta", record.meta),
      status: "pending",
      attempts: leaseMs > 0 ? 1 : 0,
      nextAttemptAt: now + leaseMs,
      lastError: undefined,
      updatedAt: now,
    });
    return true;
  }

  async leaseDue({ limit, leaseMs, now, provider }: LeaseOptions): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    const due = [...this.#records.values()]
      .filter((r) => r.status === "pending" && r.nextAttemptAt <= now && (provider === undefined || r.provider === provider))
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || byReceivedAsc(a, b))
      .slice(0, limit);
    return due
      .map((r) => released(this.#update(r, { attempts: r.attempts + 1, nextAttemptAt: now + leaseMs, updatedAt: now })))
      .sort(byReceivedAsc);
  }

  async complete(key: string, { now }: { now: number }): Promise<void> {
    const record = this.#records.get(key);
    if (record) this.#update(record, { status: "done", nextAttemptAt: now, updatedAt: now });
    if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
    this.#prunedAt = now;
    for (const r of [...this.#records.values()]) {
      if (r.status === "done" && r.updatedAt < now - this.#retainMs) this.#records.delete(r.key);
    }
  }

  async fail(key: string, { error, retryAt, now }: { error: string; retryAt: number | undefined; now: number }): Promise<void> {
    const record = this.#records.get(key);
    // A record completed (or failed) meanwhile by a worker that took it over is left alone.
    if (record?.status !== "pending") return;
    const status: InboxStatus = retryAt === undefined ? "failed" : "pending";
    this.#update(record, { status, nextAttemptAt: retryAt ?? now, lastError: error, updatedAt: now });
  }

  async get(key: string): Promise<InboxRecord | undefined> {
    const record = this.#records.get(key);
    return record && released(record);
  }

  async list({ status, provider, limit = DEFAULT_LIST_LIMIT }: InboxFilter = {}): Promise<InboxRecord[]> {
    checkPositiveInteger("limit", limit);
    return [...this.#records.values()]
      .filter((r) => (status === undefined || r.status === status) && (provider === undefined || r.provider === provider))
      .sort(byReceivedDesc)
      .slice(0, limit)
      .map(released);
  }

  async requeue(keys: readonly string[], { now }: { now: number }): Promise<number> {
    let count = 0;
    for (const key of new Set(keys)) {
      const record = this.#records.get(key);
      if (!record) continue;
      const attempts = record.status === "failed" ? 0 : record.attempts;
      this.#update(record, { status: "pending", attempts, nextAttemptAt: now, updatedAt: now });
      count++;
    }
    return count;
  }

  async purge(filter: PurgeFilter): Promise<number> {
    let count = 0;
    for (const record of [...this.#records.values()]) {
      if (matchesPurge(record, filter) && this.#records.delete(record.key)) count++;
    }
    return count;
  }

  async counts(): Promise<{ pending: number; failed: number; done: number }> {
    const counts = { pending: 0, failed: 0, done: 0 };
    for (const record of this.#records.values()) counts[record.status]++;
    return counts;
  }

  async close(): Promise<void> {}

  #update(record: Kept, changes: Partial<Kept>): Kept {
    const next = { ...record, ...changes };
    this.#records.set(record.key, next);
    return next;
  }
}

/** A kept record as the store hands it out: a fresh copy of its payload and meta. */
function released(record: Kept): InboxRecord {
  return { ...record, payload: fromJson(record.payload), meta: fromJson(record.meta) };
}

function fromJson(text: string | undefined): unknown {
  return text === undefined ? undefined : JSON.parse(text);
}
