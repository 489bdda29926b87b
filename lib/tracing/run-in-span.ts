import { context, trace, type Context, type Span } from "@opentelemetry/api";
import { recordError } from "./record-error.js";

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && "then" in value && typeof value.then === "function";
}

/**
 * Calls `call` with `span` active (so spans the caller starts inside nest under it),
 * ends the span when the call settles, and records a throw or rejection on it.
 * Returns what `call` returns, or a promise settling the same way.
 */
export function runInSpan(span: Span, parent: Context, call: () => unknown): unknown {
  let result: unknown;
  try {
    result = context.with(trace.setSpan(parent, span), call);
  } catch (error) {
    recordError(span, error);
    span.end();
    throw error;
  }
  if (!isThenable(result)) {
    span.end();
    return result;
  }
  return Promise.resolve(result).then(
    (value) => {
      span.end();
      return value;
    },
    (error: unknown) => {
      recordError(span, error);
      span.end();
      throw error;
    },
  );
}
