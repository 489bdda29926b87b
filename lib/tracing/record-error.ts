import { SpanStatusCode, type Exception, type Span } from "@opentelemetry/api";
import { WEBHOOK_ATTRIBUTES } from "./attributes.js";

function asException(error: unknown): Exception {
  return error instanceof Error ? error : String(error);
}

/** Records the error as an exception event and marks the span failed. */
export function recordError(span: Span, error: unknown, code?: string): void {
  span.recordException(asException(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  if (code !== undefined) span.setAttribute(WEBHOOK_ATTRIBUTES.errorType, code);
}
