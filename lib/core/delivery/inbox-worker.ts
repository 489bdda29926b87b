import { randomUUID } from "node:crypto";
import type { InboxStore, NewInboxRecord } from "../../inbox/types.js";
import type { DeliveryContext } from "./event-delivery.js";
import { deliveryKey } from "./delivery-key.js";
import { observeDispatch } from "./observe-dispatch.js";
import { WebhookError } from "../errors.js";
import { settleWithin } from "../with-timeout.js";
import type { WebhookEventBase } from "../types.js";

export interface InboxSettings {
  store: InboxStore;
  /** Attempts before a record is left `failed` for replay. */
  maxAttempts: number;
  /** How long one attempt owns a record; a worker that dies frees it after this. */
  leaseMs: number;
  /** How often due records are looked for. */
  pollIntervalMs: number;
  /** First retry delay; doubles each attempt, up to `maxBackoffMs`. */
  backoffMs: number;
  maxBackoffMs: number;
  /**
   * Store and answer only: deliveries are left due for worker processes (`work()`), and
   * this process dispatches nothing unless it works too.
   */
  ingestOnly: boolean;
}

/** Delay before attempt `attempts + 1`: exponential, capped, with up to 20 % jitter. */
export function backoffDelay(attempts: number, settings: Pick<InboxSettings, "backoffMs" | "maxBackoffMs">): number {
  const base = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (1 + Math.random() * 0.2));
}

/** The inbox key of an event: its delivery id where there is one, else a fresh one, in its tenant's scope if any. */
export function inboxKey(event: WebhookEventBase): string {
  return `${event.provider}:${deliveryKey(event, event.id ?? `~${randomUUID()}`)}`;
}

/** What an inbox (or a queue) keeps of an event. */
export function recordOf(event: WebhookEventBase): NewInboxRecord {
  return {
    key: inboxKey(event),
    provider: event.provider,
    name: event.name,
    deliveryId: event.id,
    known: event.known,
    payload: event.payload,
    meta: event.meta,
    receivedAt: event.receivedAt.getTime(),
  };
}

/** The event a stored record (inbox record, queued job) stands for. */
export function eventOfRecord(record: Omit<NewInboxRecord, "key">): WebhookEventBase {
  return {
    provider: record.provider,
    name: record.name,
    id: record.deliveryId,
    payload: record.payload,
    meta: record.meta,
    known: record.known,
    receivedAt: new Date(record.receivedAt),
  };
}

/**
 * Runs deliveries through the inbox: persisted before dispatch, marked done after,
 * retried with backoff after a failure (also after a crash, once the lease runs out),
 * and left `failed` after `maxAttempts` for replay.
 */
export class InboxWorker {
  readonly #settings: InboxSettings;
  readonly #context: DeliveryContext;
  readonly #inFlight = new Set<Promise<void>>();
  /** Keys being dispatched here: a hung listener's expired lease must not start a twin. */
  readonly #running = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  /** Set by `work()`: how many attempts may run here at once. */
  #concurrency: number | undefined;
  #filling = false;
  /** Bumped by every call of #fill: one made while a round was leasing makes it go on. */
  #fillRequests = 0;
  #closed = false;

  constructor(context: DeliveryContext, settings: InboxSettings) {
    this.#context = context;
    this.#settings = settings;
    // An ingest-only receiver takes nothing from the inbox until it is told to work.
    if (settings.ingestOnly) return;
    this.#timer = setInterval(() => void this.poll(), settings.pollIntervalMs);
    // The worker alone must not keep a process alive.
    this.#timer.unref();
  }

  /**
   * Makes this process a worker: keeps it alive, and keeps up to `concurrency` attempts
   * running, taking the next due record as soon as one ends.
   */
  work(concurrency: number): void {
    if (this.#closed) throw new TypeError(`${this.#context.provider}: work() after close().`);
    this.#concurrency = concurrency;
    clearInterval(this.#timer);
    this.#timer = setInterval(() => void this.#fill(), this.#settings.pollIntervalMs);
    void this.#fill();
  }

  get store(): InboxStore {
    return this.#settings.store;
  }

  /**
   * Persists a verified event. Resolves "duplicate" when its key is already there, or
   * with the running attempt (which never rejects: failures are recorded and reported).
   */
  async accept(event: WebhookEventBase, token: object | undefined): Promise<"duplicate" | { attempt: Promise<void> }> {
    const now = Date.now();
    const record = recordOf(event);
    const { key } = record;
    const added = await this.#settings.store.add(
      record,
      // Ingest only: due at once, for whichever worker polls first.
      { leaseMs: this.#settings.ingestOnly ? 0 : this.#settings.leaseMs, now },
    );
    if (!added) return "duplicate";
    return { attempt: this.#settings.ingestOnly ? Promise.resolve() : this.#attempt(key, event, 1, token) };
  }

  /** Takes due records (retries, crash leftovers, replays) and dispatches them. */
  async poll(): Promise<void> {
    if (this.#concurrency !== undefined) return this.#fill();
    if (this.#polling || this.#timer === undefined) return;
    this.#polling = true;
    try {
      // One store may serve several receivers: take only this provider's records.
      const records = await this.#settings.store.leaseDue({
        limit: 16,
        leaseMs: this.#settings.leaseMs,
        now: Date.now(),
        provider: this.#context.provider,
      });
      const fresh = records.filter((record) => !this.#running.has(record.key));
      // A retry has no request: each gets a hooks token of its own.
      await Promise.all(
        fresh.map((record) => this.#attempt(record.key, eventOfRecord(record), record.attempts, this.#context.hooks && {})),
      );
    } catch (cause) {
      this.#context.report(new WebhookError("store_unavailable", "The inbox could not be read.", { cause }));
    } finally {
      this.#polling = false;
    }
  }

  /** Worker mode: leases as many due records as there are free slots, until none are due. */
  async #fill(): Promise<void> {
    const concurrency = this.#concurrency;
    if (concurrency === undefined || this.#closed) return;
    this.#fillRequests += 1;
    // One lease at a time; a slot freed meanwhile asks the running round to go on.
    if (this.#filling) return;
    this.#filling = true;
    try {
      for (;;) {
        const asked = this.#fillRequests;
        const free = concurrency - this.#inFlight.size;
        // close() clears the timer: no new lease after it.
        if (free <= 0 || this.#timer === undefined) return;
        const records = await this.#settings.store.leaseDue({
          limit: free,
          leaseMs: this.#settings.leaseMs,
          now: Date.now(),
          provider: this.#context.provider,
        });
        for (const record of records) {
          if (!this.#running.has(record.key)) {
            void this.#attempt(record.key, eventOfRecord(record), record.attempts, this.#context.hooks && {});
          }
        }
        // All that was due is taken, and no slot freed while leasing: the timer or the next
        // attempt to end looks again.
        if (records.length < free && this.#fillRequests === asked) return;
      }
    } catch (cause) {
      this.#context.report(new WebhookError("store_unavailable", "The inbox could not be read.", { cause }));
    } finally {
      this.#filling = false;
    }
  }

  #attempt(key: string, event: WebhookEventBase, attempts: number, token: object | undefined): Promise<void> {
    const run = this.#run(key, event, attempts, token);
    this.#inFlight.add(run);
    this.#running.add(key);
    void run.finally(() => {
      this.#inFlight.delete(run);
      this.#running.delete(key);
      // A slot is free: a working process takes the next due record at once.
      if (this.#concurrency !== undefined) void this.#fill();
    });
    return run;
  }

  async #run(key: string, event: WebhookEventBase, attempts: number, token: object | undefined): Promise<void> {
    const { store, maxAttempts } = this.#settings;
    let failed: { error: unknown } | undefined;
    const dispatch = async (): Promise<void> => {
      try {
        await observeDispatch(this.#context, event, token, attempts > 1);
      } catch (error) {
        failed = { error };
        throw error;
      }
    };
    try {
      if (store.runInTransaction) {
        // The listeners' effects and the "done" mark commit together, or neither does.
        await store.runInTransaction(key, event, dispatch, { now: Date.now() });
        return;
      }
      await dispatch();
    } catch (cause) {
      // The transaction itself may fail (begin, lock, commit, or a statement a listener
      // caught that aborted it): nothing of it stands. Counted as an attempt all the same,
      // so a delivery that can never commit ends failed rather than retried forever.
      const error =
        failed === undefined
          ? new WebhookError("store_unavailable", "The inbox could not commit the delivery's transaction.", {
              cause,
              provider: event.provider,
              event,
            })
          : (failed.error as WebhookError);
      this.#context.report(error);
      const retryAt = attempts >= maxAttempts ? undefined : Date.now() + backoffDelay(attempts, this.#settings);
      const message = error.errors?.map(String).join("; ") ?? (failed ? String(error) : `${error.message} ${String(cause)}`);
      await this.#quietly(() => store.fail(key, { error: message.slice(0, 2000), retryAt, now: Date.now() }));
      return;
    }
    await this.#quietly(() => store.complete(key, { now: Date.now() }));
  }

  async #quietly(operation: () => Promise<void>): Promise<void> {
    try {
      await operation();
    } catch (cause) {
      // The lease runs out and the record is retried: at worst a repeat, never a loss.
      this.#context.report(new WebhookError("store_unavailable", "The inbox could not be updated.", { cause }));
    }
  }

  /** Stops polling and waits (at most `timeoutMs`) for running attempts. */
  async close(timeoutMs: number): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    await settleWithin([...this.#inFlight], timeoutMs);
  }
}
