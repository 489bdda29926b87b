import type { AnswerPolicy } from "./answer.js";
import { setDeliveryScope } from "./delivery/delivery-key.js";
import { parseContentType } from "./request/content-types/content-type.js";
import { formatOf, unsupportedType, type BodyParsing } from "./request/content-types/parse-body.js";
import type { EventDelivery } from "./delivery/event-delivery.js";
import { isWebhookError, WebhookError } from "./errors.js";
import { getHeader } from "./request/headers.js";
import { parseBody, rawBodyOf } from "./request/obtain-body.js";
import type { RequestObserver, RequestWatch } from "./observe-request.js";
import type { ResolvedOptions } from "./options.js";
import type { EventSchemas, ProviderProtocol } from "./protocol.js";
import type { WebhookEventBase, WebhookRequest, WebhookResponse } from "./types.js";

/** Everything a request goes through, fixed when the receiver is built. */
export interface Pipeline {
  readonly protocol: ProviderProtocol<string, EventSchemas, unknown>;
  readonly options: ResolvedOptions;
  readonly parsing: BodyParsing;
  readonly delivery: EventDelivery;
  readonly answers: AnswerPolicy;
  readonly observer: RequestObserver;
  /** Refusals and failures, to `onError` and the logger. */
  readonly report: (error: WebhookError) => void;
  /** True once the receiver is closing: new deliveries get 503. */
  readonly closed: () => boolean;
}

/** Runs one request through every stage and returns the answer to send. Never throws. */
export async function runPipeline(pipeline: Pipeline, request: WebhookRequest): Promise<WebhookResponse> {
  const watch = pipeline.observer.start(request.method);
  let response: WebhookResponse;
  try {
    response = await stages(pipeline, request, watch);
  } catch (error) {
    response = refused(pipeline, error, watch);
  }
  watch.answered(response);
  return response;
}

/** The stages of DESIGN.md, in order. A refusal is thrown as a WebhookError. */
async function stages(pipeline: Pipeline, request: WebhookRequest, watch: RequestWatch): Promise<WebhookResponse> {
  const { protocol, options, parsing, delivery, answers } = pipeline;
  // 1. Method (and shutdown).
  if (pipeline.closed()) throw new WebhookError("shutting_down", "The receiver is shutting down; try again shortly.");
  if (request.method.toUpperCase() !== "POST") {
    throw new WebhookError("method_not_allowed", `${request.method.slice(0, 16)} is not allowed; webhooks are POSTed.`);
  }

  // 2. Authenticate what needs no body (headers, IPs). A tenant's scope, where a resolver
  // found the credentials: its dedupe and inbox keys go in it.
  const { authenticator } = options;
  const scope = await authenticator.beforeBody(request);

  // 3. Content type.
  const contentType = parseContentType(getHeader(request.headers, "content-type"));
  const format = formatOf(contentType.type, parsing);
  if (format === undefined) throw unsupportedType(contentType);

  // 4. Body: read within the limit and time, then authenticate what needs it (signatures).
  const raw = await rawBodyOf(request, options.limit, options.bodyTimeoutMs);
  if (authenticator.afterBody) {
    await authenticator.afterBody({
      method: request.method,
      headers: request.headers,
      query: request.query ?? {},
      remoteAddress: request.remoteAddress,
      rawBody: raw,
    });
  }

  // 5. Parse.
  const parsed = await parseBody(request, raw, format, contentType, parsing);
  const { payload, original } = protocol.normalize ? protocol.normalize(parsed, format) : { payload: parsed, original: undefined };

  // 6. Identify and 7. validate.
  const event = toEvent(protocol, request, payload, original, scope);
  if (isWebhookError(event)) {
    pipeline.report(event);
    watch.rejected(event);
    return answers.failed(event);
  }
  watch.verified(event);

  // 8. Dedupe or inbox, 9. dispatch, 10. answer.
  return delivery.deliver(event, watch.attempt);
}

/** The answer to whatever stopped a request: a refusal, or an unexpected failure (500). */
function refused(pipeline: Pipeline, error: unknown, watch: RequestWatch): WebhookResponse {
  const { provider } = pipeline.protocol;
  const failure = isWebhookError(error)
    ? error.with({ provider })
    : new WebhookError("internal_error", "The receiver failed unexpectedly.", { cause: error, provider });
  pipeline.report(failure);
  watch.rejected(failure);
  return pipeline.answers.refused(failure);
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Names the payload's event and validates it against that event's schema: a known
 * event, an unknown one (no schema: `payload` stays unknown), or `invalid_payload`
 * carrying the would-be event, the raw payload and the zod issues. `original`: what the
 * protocol's normalize() made `payload` from, if anything. `scope`: the tenant
 * scope of its dedupe and inbox keys (where a resolver found the credentials).
 */
function toEvent<P extends string, S extends EventSchemas, M>(
  protocol: ProviderProtocol<P, S, M>,
  request: WebhookRequest,
  payload: unknown,
  original: unknown,
  scope?: string,
): WebhookEventBase | WebhookError {
  const event = identified(protocol, request, payload, original);
  if (scope !== undefined && !(event instanceof WebhookError)) setDeliveryScope(event, scope);
  return event;
}

function identified<P extends string, S extends EventSchemas, M>(
  protocol: ProviderProtocol<P, S, M>,
  request: WebhookRequest,
  payload: unknown,
  original: unknown,
): WebhookEventBase | WebhookError {
  const { provider } = protocol;
  const identity = protocol.identify(payload, request, original);
  const { name, id } = identity;
  const meta = { ...identity.meta, params: request.params ?? NO_PARAMS };
  const receivedAt = new Date();
  const schema = Object.hasOwn(protocol.events, name) ? protocol.events[name] : undefined;
  if (schema === undefined) return { provider, name, id, receivedAt, meta, payload, known: false };
  const result = schema.safeParse(payload);
  if (result.success) return { provider, name, id, receivedAt, meta, payload: result.data, known: true };
  return new WebhookError("invalid_payload", `The "${name}" payload does not match its schema.`, {
    provider,
    event: { provider, name, id, receivedAt, meta, payload, known: true },
    payload,
    issues: result.error.issues,
  });
}
