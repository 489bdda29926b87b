import type { AnswerPolicy } from "./answer.js";
import { parseContentType } from "./request/content-types/content-type.js";
import { formatOf, unsupportedType, type BodyParsing } from "./request/content-types/parse-body.js";
import type { EventDelivery } from "./delivery/event-delivery.js";
import { isWebhookError, WebhookError } from "./errors.js";
import { getHeader } from "./request/headers.js";
import { parseBody, rawBodyOf } from "./request/obtain-body.js";
import type { RequestObserver, RequestWatch } from "./observe-request.js";
import type { ResolvedOptions } from "./options.js";
import type { EventSchemas, ProviderProtocol } from "./protocol.js";
import { toEvent } from "./to-event.js";
import type { WebhookRequest, WebhookResponse } from "./types.js";

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
  let scope = authenticator.beforeBody(request);
  if (scope instanceof Promise) scope = await scope;

  // 3. Content type.
  const contentType = parseContentType(getHeader(request.headers, "content-type"));
  const format = formatOf(contentType.type, parsing);
  if (format === undefined) throw unsupportedType(contentType);

  // 4. Body: read within the limit and time, then authenticate what needs it (signatures).
  const body = rawBodyOf(request, options.limit, options.bodyTimeoutMs);
  const raw = body instanceof Promise ? await body : body;
  if (authenticator.afterBody) {
    await authenticator.afterBody({
      method: request.method,
      headers: request.headers,
      query: request.query ?? {},
      remoteAddress: request.remoteAddress,
      rawBody: raw,
    });
  }

  // 5. Parse (JSON and forms synchronously: only multipart needs the await).
  let parsed = parseBody(request, raw, format, contentType, parsing);
  if (parsed instanceof Promise) parsed = await parsed;
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
