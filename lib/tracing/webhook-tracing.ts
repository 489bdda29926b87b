import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from "@opentelemetry/api";
import type { DispatchedInfo, FailedInfo, ReceiverHooks } from "../core/hooks.js";
import { WEBHOOK_ATTRIBUTES as A } from "./attributes.js";
import { recordError } from "./record-error.js";
import { requestMethod } from "./request-method.js";
import { runInSpan } from "./run-in-span.js";
import { spanName } from "./span-name.js";

/** Options of {@link webhookTracing}. */
export interface WebhookTracingOptions {
  /** The tracer to start spans with. @default `trace.getTracer("express-webhook-receivers")` (the global provider's) */
  tracer?: Tracer;
}

/** The span of one request, or of one inbox retry. */
interface Attempt {
  readonly span: Span;
  /** The context listener spans start in: the delivery span's. */
  readonly context: Context;
  readonly retry: boolean;
  known: boolean | undefined;
  failed: boolean;
  /** A request's span ends with its answer; listeners may outlive it (immediate ack, timeout). */
  ended: boolean;
}

/**
 * OpenTelemetry spans for every receiver given these hooks: one span per delivery
 * (`webhook <provider> <event>`, kind SERVER) with provider, event, delivery id, outcome
 * and status; one child span per listener call, active while it runs so your own
 * spans nest under it; refusals and failures recorded as errors; inbox retries as
 * spans of their own (kind CONSUMER). Without an OpenTelemetry SDK registered, the API's
 * tracer does nothing.
 *
 * @example
 * const misskey = createMisskeyReceiver({ secret, hooks: [webhookTracing(), metrics.hooks] });
 */
export function webhookTracing(options: WebhookTracingOptions = {}): ReceiverHooks {
  // The API's proxy tracer follows whichever provider is registered, even later.
  const tracer = options.tracer ?? trace.getTracer("express-webhook-receivers");
  const attempts = new WeakMap<object, Attempt>();

  const begin = (token: object, name: string, kind: SpanKind, attributes: Attributes, retry: boolean, startTime?: number): Attempt => {
    const parent = context.active();
    const span = tracer.startSpan(name, { kind, attributes, ...(startTime !== undefined && { startTime }) }, parent);
    const attempt: Attempt = { span, context: trace.setSpan(parent, span), retry, known: undefined, failed: false, ended: false };
    attempts.set(token, attempt);
    return attempt;
  };

  const beginRetry = (token: object, provider: string, startTime?: number): Attempt =>
    begin(token, spanName(provider, undefined, undefined), SpanKind.CONSUMER, { [A.provider]: provider, [A.retry]: true }, true, startTime);

  // An inbox retry (or replay) has no onRequest and no answer: its span starts at its
  // first listener (or, with none, is dated back from its end) and ends with its dispatch.
  const finishRetry = (attempt: Attempt, info: DispatchedInfo, error?: FailedInfo): void => {
    attempt.span.updateName(spanName(info.provider, info.event, info.known));
    attempt.span.setAttributes({ [A.event]: info.event, [A.eventKnown]: info.known, [A.outcome]: error?.code ?? "ok" });
    if (info.deliveryId !== undefined) attempt.span.setAttribute(A.deliveryId, info.deliveryId);
    if (error) recordError(attempt.span, error.error, error.code);
    attempt.span.end();
    attempts.delete(info.attempt);
  };

  return {
    onRequest(info) {
      begin(
        info.attempt,
        spanName(info.provider, undefined, undefined),
        SpanKind.SERVER,
        { [A.provider]: info.provider, [A.method]: requestMethod(info.method) },
        false,
      );
    },
    onVerified(info) {
      const attempt = attempts.get(info.attempt);
      if (!attempt) return;
      attempt.known = info.known;
      attempt.span.updateName(spanName(info.provider, info.event, info.known));
      attempt.span.setAttributes({ [A.event]: info.event, [A.eventKnown]: info.known });
      if (info.deliveryId !== undefined) attempt.span.setAttribute(A.deliveryId, info.deliveryId);
    },
    onRejected(info) {
      const attempt = attempts.get(info.attempt);
      if (!attempt) return;
      if (info.event !== undefined) attempt.span.setAttribute(A.event, info.event);
      attempt.failed = true;
      recordError(attempt.span, info.error, info.code);
    },
    onDispatched(info) {
      const attempt = attempts.get(info.attempt) ?? beginRetry(info.attempt, info.provider, Date.now() - info.durationMs);
      if (attempt.retry) finishRetry(attempt, info);
    },
    onFailed(info) {
      const attempt = attempts.get(info.attempt) ?? beginRetry(info.attempt, info.provider, Date.now() - info.durationMs);
      if (attempt.retry) {
        finishRetry(attempt, info, info);
        return;
      }
      if (attempt.ended) return;
      attempt.failed = true;
      recordError(attempt.span, info.error, info.code);
    },
    onResponse(info) {
      const attempt = attempts.get(info.attempt);
      if (!attempt || attempt.ended) return;
      attempt.ended = true;
      attempt.span.setAttributes({ [A.outcome]: info.outcome, [A.status]: info.status });
      if (!attempt.failed && info.outcome !== "ok" && info.outcome !== "duplicate") {
        attempt.span.setStatus({ code: SpanStatusCode.ERROR, message: info.outcome });
        attempt.span.setAttribute(A.errorType, info.outcome);
      }
      attempt.span.end();
    },
    aroundListener(info, call) {
      const attempt = attempts.get(info.attempt) ?? beginRetry(info.attempt, info.provider);
      const attributes: Attributes = { [A.provider]: info.provider, [A.event]: info.event, [A.listenerIndex]: info.index };
      if (info.deliveryId !== undefined) attributes[A.deliveryId] = info.deliveryId;
      const name = `${spanName(info.provider, info.event, attempt.retry ? undefined : attempt.known)} listener`;
      const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL, attributes }, attempt.context);
      return runInSpan(span, attempt.context, call);
    },
  };
}
