import { randomUUID } from "node:crypto";
import type { InboxRecord, InboxStore } from "../../inbox/types.js";
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

function eventOfRecord(record: InboxRecord): WebhookEventBase {
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

  constructor(context: DeliveryContext, settings: InboxSettings) {
    this.#context = context;
    this.#settings = settings;
    this.#timer = setInterval(() => void this.poll(), settings.pollIntervalMs);
    // The worker alone must not keep a process alive.
    this.#timer.unref();
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
    const key = inboxKey(event);
    const added = await this.#settings.store.add(
      {
        key,
        provider: event.provider,
        name: event.name,
        deliveryId: event.id,
        known: event.known,
        payload: event.payload,
        meta: event.meta,
        receivedAt: event.receivedAt.getTime(),
      },
      { leaseMs: this.#settings.leaseMs, now },
    );
    return added ? { attempt: this.#attempt(key, event, 1, token) } : "duplicate";
  }

  /** Takes due records (retries, crash leftovers, replays) and dispatches them. */
  async poll(): Promise<void> {
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

  #attempt(key: string, event: WebhookEventBase, attempts: number, token: object | undefined): Promise<void> {
    const run = this.#run(key, event, attempts, token);
    this.#inFlight.add(run);
    this.#running.add(key);
    void run.finally(() => {
      this.#inFlight.delete(run);
      this.#running.delete(key);
    });
    return run;
  }

  async #run(key: string, event: WebhookEventBase, attempts: number, token: object | undefined): Promise<void> {
    const { store, maxAttempts } = this.#settings;
    try {
      await observeDispatch(this.#context, event, token, attempts > 1);
    } catch (error) {
      this.#context.report(error as WebhookError);
      const retryAt = attempts >= maxAttempts ? undefined : Date.now() + backoffDelay(attempts, this.#settings);
      const message = (error as WebhookError).errors?.map(String).join("; ") ?? String(error);
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
    clearInterval(this.#timer);
    this.#timer = undefined;
    await settleWithin([...this.#inFlight], timeoutMs);
  }
}
