import type { z } from "zod";
import { acknowledge, refuse } from "./answer.js";
import { parseContentType } from "./content-types/content-type.js";
import { formatOf, unsupportedType, type BodyParsing } from "./content-types/parse-body.js";
import { Deduper } from "./deduper.js";
import { dispatch, TIMED_OUT, withTimeout } from "./dispatch.js";
import { Emitter, type ErrorListener } from "./emitter.js";
import { isWebhookError, WebhookError } from "./errors.js";
import { getHeader } from "./headers.js";
import { parseBody, rawBodyOf } from "./obtain-body.js";
import type { ResolvedOptions } from "./options.js";
import type { EventSchemas, ProviderProtocol } from "./protocol.js";
import { reportError } from "./report-error.js";
import type { UnknownWebhookEvent, WebhookEvent, WebhookEventBase, WebhookRequest, WebhookResponse } from "./types.js";

/** Each known event name mapped to its typed event. */
export type EventMap<P extends string, S extends EventSchemas, M> = {
  [K in keyof S & string]: WebhookEvent<P, K, z.output<S[K]>, M>;
};

/** Any event a receiver can emit: a known one, or one of a name it has no schema for. */
export type AnyEvent<P extends string, S extends EventSchemas, M> = EventMap<P, S, M>[keyof S & string] | UnknownWebhookEvent<P, M>;

/**
 * The framework-free receiver: listeners in, `receive(request)` → response out. Every
 * provider is this class with its {@link ProviderProtocol} plugged in.
 */
export class WebhookReceiver<P extends string, S extends EventSchemas, M> {
  readonly #protocol: ProviderProtocol<P, S, M>;
  readonly #options: ResolvedOptions;
  readonly #emitter = new Emitter();
  readonly #deduper: Deduper | undefined;
  readonly #parsing: BodyParsing;

  constructor(protocol: ProviderProtocol<P, S, M>, options: ResolvedOptions) {
    this.#protocol = protocol;
    this.#options = options;
    this.#deduper =
      options.dedupe && new Deduper(options.dedupe.store, protocol.provider, options.dedupe.ttlMs, (error) => this.#report(error));
    this.#parsing = {
      formats: protocol.formats,
      jsonAliases: protocol.jsonAliases,
      maxFields: options.maxFields,
      multipart: options.multipart,
    };
  }

  get provider(): P {
    return this.#protocol.provider;
  }

  /** Calls `listener` for every delivery of the named event(s), with its typed payload. */
  on<K extends keyof S & string>(names: K | readonly K[], listener: (event: EventMap<P, S, M>[K]) => unknown): this {
    for (const name of typeof names === "string" ? [names] : names) {
      if (!Object.hasOwn(this.#protocol.events, name)) {
        throw new TypeError(`${this.provider} has no event "${name}"; use onAny() for events without a schema.`);
      }
    }
    this.#emitter.on(names, listener as (event: WebhookEventBase) => unknown);
    return this;
  }

  /** Calls `listener` for every delivery, known events and unknown ones alike. */
  onAny(listener: (event: AnyEvent<P, S, M>) => unknown): this {
    this.#emitter.onAny(listener as (event: WebhookEventBase) => unknown);
    return this;
  }

  /** Calls `listener` for every refusal and failure: verification, validation, listeners. */
  onError(listener: ErrorListener): this {
    this.#emitter.onError(listener);
    return this;
  }

  /** Removes a listener from the named events, or from everywhere (`off(listener)`). */
  off<K extends keyof S & string>(names: K | readonly K[], listener: (event: EventMap<P, S, M>[K]) => unknown): this;
  off(listener: ((event: never) => unknown) | ErrorListener): this;
  off(namesOrListener: string | readonly string[] | ((event: never) => unknown), listener?: (event: never) => unknown): this {
    if (typeof namesOrListener === "function") this.#emitter.off(undefined, namesOrListener);
    else this.#emitter.off(namesOrListener, listener!);
    return this;
  }

  /** Runs one request through the pipeline and returns the answer to send. Never throws. */
  async receive(request: WebhookRequest): Promise<WebhookResponse> {
    try {
      return await this.#receive(request);
    } catch (error) {
      const failure = isWebhookError(error)
        ? error.with({ provider: this.provider })
        : new WebhookError("internal_error", "The receiver failed unexpectedly.", { cause: error, provider: this.provider });
      this.#report(failure);
      return refuse(failure);
    }
  }

  async #receive(request: WebhookRequest): Promise<WebhookResponse> {
    if (request.method.toUpperCase() !== "POST") {
      throw new WebhookError("method_not_allowed", `${request.method.slice(0, 16)} is not allowed; webhooks are POSTed.`);
    }
    const { authenticator, limit } = this.#options;
    authenticator.beforeBody(request);

    const contentType = parseContentType(getHeader(request.headers, "content-type"));
    const format = formatOf(contentType.type, this.#parsing);
    if (format === undefined) throw unsupportedType(contentType);

    const raw = await rawBodyOf(request, limit);
    await authenticator.afterBody?.({
      method: request.method,
      headers: request.headers,
      query: request.query ?? {},
      remoteAddress: request.remoteAddress,
      rawBody: raw,
    });

    const parsed = await parseBody(request, raw, format, contentType, this.#parsing);
    const payload = this.#protocol.normalize ? this.#protocol.normalize(parsed, format) : parsed;
    const event = this.#toEvent(request, payload);
    if (isWebhookError(event)) {
      this.#report(event);
      // Re-sending cannot fix a payload; a non-resending sender gets its 200 regardless.
      return this.#protocol.resends ? refuse(event) : acknowledge();
    }
    return this.#deliver(event);
  }

  #toEvent(request: WebhookRequest, payload: unknown): WebhookEventBase | WebhookError {
    const { name, id } = this.#protocol.identify(payload);
    const base = { provider: this.provider, name, id, receivedAt: new Date(), meta: this.#protocol.meta(request, payload) };
    const schema = Object.hasOwn(this.#protocol.events, name) ? this.#protocol.events[name] : undefined;
    if (schema === undefined) return { ...base, payload, known: false };
    const result = schema.safeParse(payload);
    if (result.success) return { ...base, payload: result.data, known: true };
    return new WebhookError("invalid_payload", `The "${name}" payload does not match its schema.`, {
      provider: this.provider,
      event: { ...base, payload, known: true },
      payload,
      issues: result.error.issues,
    });
  }

  async #deliver(event: WebhookEventBase): Promise<WebhookResponse> {
    const deduper = event.id === undefined ? undefined : this.#deduper;
    if (deduper) {
      const claim = await deduper.claim(event.id!);
      if (claim === "done") return acknowledge(true);
      if (claim === "processing") {
        // The first delivery may still fail; a resending sender should come back later.
        return this.#protocol.resends
          ? refuse(new WebhookError("delivery_in_progress", "This delivery is already being processed.", { provider: this.provider }))
          : acknowledge(true);
      }
    }

    const run = dispatch(event, this.#emitter.listenersFor(event)).then(
      async () => deduper?.complete(event.id!),
      async (error: WebhookError) => {
        await deduper?.release(event.id!);
        throw error;
      },
    );
    if (this.#options.ack === "immediate") {
      run.catch((error: unknown) => this.#report(error as WebhookError));
      return acknowledge();
    }

    const outcome = await withTimeout(
      run.then(() => undefined, (error: unknown) => error as WebhookError),
      this.#options.dispatchTimeoutMs,
    );
    if (outcome === TIMED_OUT) {
      run.catch((error: unknown) => this.#report(error as WebhookError));
      const timeout = new WebhookError("dispatch_timeout", `Listeners did not finish within ${this.#options.dispatchTimeoutMs} ms.`, {
        provider: this.provider,
        event,
      });
      this.#report(timeout);
      return this.#protocol.resends ? refuse(timeout) : acknowledge();
    }
    if (outcome === undefined) return acknowledge();
    this.#report(outcome);
    return this.#protocol.resends ? refuse(outcome) : acknowledge();
  }

  #report(error: WebhookError): void {
    reportError(error, this.#emitter.errorListeners, this.#options.logger);
  }
}
