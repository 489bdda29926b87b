import type { z } from "zod";
import { AnswerPolicy } from "./answer.js";
import { createDeduper } from "./delivery/create-deduper.js";
import type { EventDelivery, DeliveryContext } from "./delivery/event-delivery.js";
import { DirectDelivery } from "./delivery/direct-delivery.js";
import { InboxDelivery } from "./delivery/inbox-delivery.js";
import { InboxWorker } from "./delivery/inbox-worker.js";
import { QueueDelivery } from "./delivery/queue-delivery.js";
import { observeDispatch } from "./delivery/observe-dispatch.js";
import type { WebhookError } from "./errors.js";
import { groupPrefix, type EventPattern, type NamesInGroup } from "./event-groups.js";
import { observeRequests } from "./observe-request.js";
import { runPipeline, type Pipeline } from "./pipeline.js";
import { Emitter, type ErrorListener } from "./delivery/emitter.js";
import type { ResolvedOptions } from "./options.js";
import type { EventSchemas, ProviderProtocol } from "./protocol.js";
import { reportError, type ReportingOptions } from "./report-error.js";
import type { RouteMeta, UnknownWebhookEvent, WebhookEvent, WebhookEventBase, WebhookRequest, WebhookResponse } from "./types.js";

/** Each known event name mapped to its typed event (`I`: the type of its delivery id). */
export type EventMap<P extends string, S extends EventSchemas, M, I extends string | undefined = string | undefined> = {
  [K in keyof S & string]: WebhookEvent<P, K, z.output<S[K]>, M & RouteMeta, I>;
};

/** Any event a receiver can emit: a known one, or one of a name it has no schema for. */
export type AnyEvent<
  P extends string,
  S extends EventSchemas,
  M,
  I extends string | undefined = string | undefined,
  U extends string | undefined = I,
> = EventMap<P, S, M, I>[keyof S & string] | UnknownWebhookEvent<P, M & RouteMeta, U>;

/**
 * The event a listener registered with `on(pattern)` gets: a name's event, the union of a
 * group's events, or any event for `"*"`.
 */
export type PatternEvent<
  P extends string,
  S extends EventSchemas,
  M,
  I extends string | undefined,
  U extends string | undefined,
  N extends string,
> = N extends keyof S & string
  ? EventMap<P, S, M, I>[N]
  : N extends "*"
    ? AnyEvent<P, S, M, I, U>
    : EventMap<P, S, M, I>[NamesInGroup<keyof S & string, N>];

/** The logger a receiver resolved (undefined for anything else), for the adapters explaining how it is mounted. */
export let loggerOf: (receiver: object) => ResolvedOptions["logger"];

/** What a worker outside the receiver (BullMQ) needs to run its listeners as the receiver would. */
export interface ReceiverDispatcher {
  readonly provider: string;
  /** Calls the listeners (hooks, tracing); reports a failure to onError and the logger, then rejects with it. */
  dispatch(event: WebhookEventBase, retry: boolean): Promise<void>;
  /** Reports an error as the receiver reports its own. */
  report(error: WebhookError): void;
}

/** The dispatcher of a receiver, for `createBullmqWorker`; throws for anything that is not one. */
export let dispatcherOf: (receiver: object) => ReceiverDispatcher;

/**
 * The framework-free receiver: listeners in, `receive(request)` → response out. Every
 * provider is this class with its {@link ProviderProtocol} plugged in.
 */
export class WebhookReceiver<
  P extends string,
  S extends EventSchemas,
  M,
  I extends string | undefined = string | undefined,
  U extends string | undefined = I,
> {
  readonly #protocol: ProviderProtocol<P, S, M, I, U>;
  readonly #options: ResolvedOptions;
  readonly #emitter = new Emitter();
  readonly #delivery: EventDelivery;
  readonly #inbox: InboxWorker | undefined;
  readonly #pipeline: Pipeline;
  #closed = false;

  readonly #dispatcher: ReceiverDispatcher;

  static {
    loggerOf = (receiver) => (#options in receiver ? receiver.#options.logger : undefined);
    dispatcherOf = (receiver) => {
      if (!(#dispatcher in receiver)) throw new TypeError("Expected a receiver made by a createXReceiver factory.");
      return receiver.#dispatcher;
    };
  }

  constructor(protocol: ProviderProtocol<P, S, M, I, U>, options: ResolvedOptions) {
    this.#protocol = protocol;
    this.#options = options;
    const answers = new AnswerPolicy(protocol.provider, protocol.resends);
    const reportAs =
      (reporting: ReportingOptions) =>
      (error: WebhookError): void => {
        reportError(error, this.#emitter.errorListeners, reporting, protocol);
      };
    const report = reportAs(options);
    const context: DeliveryContext = {
      provider: protocol.provider,
      emitter: this.#emitter,
      report,
      answers,
      ack: options.ack,
      dispatchTimeoutMs: options.dispatchTimeoutMs,
      hooks: options.hooks,
    };
    // With an inbox, its keys are the dedupe record; a second record would only disagree.
    const deduper =
      options.dedupe && !options.inbox ? createDeduper(options.dedupe.store, protocol.provider, options.dedupe.ttlMs, report) : undefined;
    // The inbox's fallback dispatches what the inbox could not store: its failures are
    // not in the inbox, and are reported as a receiver without one would report them.
    const direct = new DirectDelivery(
      options.inbox ? { ...context, report: reportAs({ ...options, inbox: undefined }) } : context,
      deduper,
    );
    this.#inbox = options.inbox && new InboxWorker(context, options.inbox);
    this.#delivery = this.#inbox
      ? new InboxDelivery(context, this.#inbox, direct)
      : options.queue
        ? new QueueDelivery(context, options.queue, direct)
        : direct;
    const reportJob = reportAs({ ...options, queued: true });
    this.#dispatcher = {
      provider: protocol.provider,
      dispatch: async (event, retry) => {
        try {
          // A job has no request: it gets a hooks token of its own.
          await observeDispatch(context, event, options.hooks && {}, retry);
        } catch (error) {
          reportJob(error as WebhookError);
          throw error;
        }
      },
      report,
    };
    this.#pipeline = {
      protocol,
      options,
      parsing: {
        formats: protocol.formats,
        jsonAliases: protocol.jsonAliases,
        maxFields: options.maxFields,
        multipart: options.multipart,
        maxDepth: options.maxDepth,
      },
      delivery: this.#delivery,
      answers,
      observer: observeRequests(protocol.provider, options.hooks),
      report,
      closed: () => this.#closed,
    };
  }

  get provider(): P {
    return this.#protocol.provider;
  }

  /**
   * Calls `listener` for every delivery of the named event(s), with its typed payload. A
   * group (`"Message.*"`: every known event whose name starts with `Message.`) gives the
   * union of its events; `"*"` is {@link onAny}. Each registration is one call per delivery.
   */
  on<N extends EventPattern<keyof S & string>>(
    names: N | readonly N[],
    listener: (event: PatternEvent<P, S, M, I, U, N>) => unknown,
  ): this {
    for (const name of typeof names === "string" ? [names] : names) this.#check(name);
    this.#emitter.on(names, listener as (event: WebhookEventBase) => unknown);
    return this;
  }

  /** Calls `listener` for every delivery, known events and unknown ones alike. */
  onAny(listener: (event: AnyEvent<P, S, M, I, U>) => unknown): this {
    this.#emitter.onAny(listener as (event: WebhookEventBase) => unknown);
    return this;
  }

  /** Calls `listener` for every refusal and failure: verification, validation, listeners. */
  onError(listener: ErrorListener): this {
    this.#emitter.onError(listener);
    return this;
  }

  /** Removes a listener from the named events or groups, or from everywhere (`off(listener)`). */
  off<N extends EventPattern<keyof S & string>>(
    names: N | readonly N[],
    listener: (event: PatternEvent<P, S, M, I, U, N>) => unknown,
  ): this;
  off(listener: ((event: never) => unknown) | ErrorListener): this;
  off(namesOrListener: string | readonly string[] | ((event: never) => unknown), listener?: (event: never) => unknown): this {
    if (typeof namesOrListener === "function") this.#emitter.off(undefined, namesOrListener);
    else if (listener !== undefined) this.#emitter.off(namesOrListener, listener);
    return this;
  }

  /** Runs one request through the pipeline and returns the answer to send. Never throws. */
  receive(request: WebhookRequest): Promise<WebhookResponse> {
    return runPipeline(this.#pipeline, request);
  }

  /**
   * Stops taking deliveries (new ones get 503, so a resending provider tries again) and
   * waits, at most `timeoutMs`, for listeners under way. Call it on SIGTERM before exit.
   */
  async close({ timeoutMs = 10_000 }: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed = true;
    await this.#delivery.close(timeoutMs);
  }

  /**
   * Makes this process an inbox worker: it keeps running, and keeps up to `concurrency`
   * deliveries from the inbox in the listeners at once, taking the next due one as soon as
   * one ends, until `close()`. For worker processes serving no HTTP, beside ingest-only
   * receivers (`inbox: { store, ingestOnly: true }`) over the same store. Needs the `inbox`
   * option (with `queue`, use `createBullmqWorker` instead).
   */
  work({ concurrency = 8 }: { concurrency?: number } = {}): this {
    if (!this.#inbox) {
      throw new TypeError(
        `${this.provider}: work() needs the inbox option${this.#options.queue ? "; with queue, start createBullmqWorker(receiver, ...)" : ""}.`,
      );
    }
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`${this.provider}: work({ concurrency }) must be a positive integer, got ${String(concurrency)}.`);
    }
    this.#inbox.work(concurrency);
    return this;
  }

  /**
   * Makes inbox records due again (e.g. failed ones) and dispatches them now.
   * Returns how many were requeued. Needs the `inbox` option.
   */
  async replay(keys: string | readonly string[]): Promise<number> {
    if (!this.#inbox) throw new TypeError(`${this.provider}: replay() needs the inbox option.`);
    const count = await this.#inbox.store.requeue(typeof keys === "string" ? [keys] : keys, { now: Date.now() });
    await this.#inbox.poll();
    return count;
  }

  /** Throws at registration for a name or group this provider has no event for (a typo). */
  #check(pattern: string): void {
    if (Object.hasOwn(this.#protocol.events, pattern)) return;
    const names = Object.keys(this.#protocol.events);
    const prefix = groupPrefix(pattern);
    if (prefix !== undefined) {
      if (prefix === "" || names.some((name) => name.startsWith(prefix))) return;
      throw new TypeError(`${this.provider} has no event in the group "${pattern}"; use onAny() for events without a schema.`);
    }
    // A bare object name (octokit's on("issues")) is not a group here (README, Event groups): name the group.
    const group = names
      .map((name) => `${name.slice(0, pattern.length + 1)}*`)
      .find((g) => g.startsWith(pattern) && groupPrefix(g) !== undefined);
    const hint = group === undefined ? "" : `; on("${group}") takes every one of its events`;
    throw new TypeError(`${this.provider} has no event "${pattern}"${hint}; use onAny() for events without a schema.`);
  }
}
