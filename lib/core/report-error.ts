import type { ErrorListener } from "./delivery/emitter.js";
import type { WebhookError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

/** What the report needs to know of the receiver to say what became of the event. */
export interface ReportingReceiver {
  readonly provider: string;
  /** The provider resends after a 5xx (from the protocol). */
  readonly resends: boolean;
}

export type ReportingOptions = Pick<ResolvedOptions, "logger" | "logPayloads" | "ack" | "inbox"> & {
  /** A queued job's failure (a BullMQ worker): the queue retries it, not the sender. */
  queued?: boolean;
};

/**
 * Tells the logger (the default stderr one unless the user gave theirs or `false`) and
 * every `onError` listener. Whatever they do (throw, reject) never reaches the sender or
 * the process: an error listener must not turn into a crash.
 *
 * `onError` listeners do not silence the log: they are often a metric or an alert, and
 * registering one must not take away the line saying what went wrong (`logger: false`
 * is the one switch that does).
 */
export function reportError(
  error: WebhookError,
  listeners: ReadonlySet<ErrorListener>,
  options: ReportingOptions,
  receiver: ReportingReceiver,
): void {
  const { logger } = options;
  if (logger) {
    const fate = fateOf(error, listeners.size, options, receiver);
    const fields = {
      provider: error.provider ?? receiver.provider,
      code: error.code,
      status: error.status,
      event: error.event?.name,
      deliveryId: error.event?.id,
      ...(error.issues?.length ? { issues: summarizeIssues(error.issues) } : {}),
      ...(error.status >= 500 ? { err: error.cause ?? error } : {}),
      // Payloads may hold personal data: only where the user asked for them.
      ...(options.logPayloads ? { payload: error.event?.payload ?? error.payload } : {}),
    };
    const message = fate === undefined ? error.message : `${error.message} ${fate}`;
    try {
      if (error.status >= 500) logger.error(fields, message);
      else logger.warn(fields, message);
    } catch {
      // A broken logger is not the sender's problem.
    }
  }
  for (const listener of listeners) {
    const failed = (failure: unknown, how: string): void => {
      try {
        logger?.error({ provider: receiver.provider, err: failure }, `An onError listener ${how}.`);
      } catch {
        // As above.
      }
    };
    try {
      // Promise.resolve also adopts non-native thenables, so no rejection goes unhandled.
      Promise.resolve(listener(error)).catch((failure: unknown) => {
        failed(failure, "rejected");
      });
    } catch (failure) {
      failed(failure, "threw");
    }
  }
}

/**
 * For failures after the event was identified: what the sender was answered and where
 * the event went. An OK SKY listener failure is answered 200; the line must say so, and
 * say whether anything still holds the event.
 */
function fateOf(error: WebhookError, listeners: number, options: ReportingOptions, receiver: ReportingReceiver): string | undefined {
  const held =
    listeners > 0
      ? `the whole event went to ${listeners === 1 ? "your onError listener" : `your ${listeners} onError listeners`}.`
      : "no onError listener holds it, so this line is its only trace (keep such events with receiver.onError() or the inbox option).";
  const provider = error.provider ?? receiver.provider;
  switch (error.code) {
    case "invalid_payload":
    case "invalid_envelope":
      return receiver.resends
        ? `Answered ${error.status} (a resend would not fix it); ${held}`
        : `Acknowledged with 200 anyway (${provider} never resends); ${held}`;
    case "handler_failed":
      if (options.inbox) return "The delivery stays in the inbox: retried with backoff, then left failed for replay.";
      if (options.queued) return "The job stays in its queue: retried with backoff, then kept failed (queue.getFailed(), job.retry()).";
      if (!receiver.resends) return `Acknowledged with 200 anyway (${provider} never resends); ${held}`;
      if (options.ack === "immediate") return `Acknowledged with 200 already (ack: "immediate"); ${held}`;
      return `Answered ${error.status}: ${provider} will resend it.`;
    case "dispatch_timeout":
      return receiver.resends
        ? `Answered ${error.status}: ${provider} will resend it; the listeners keep running.`
        : `Acknowledged with 200 anyway (${provider} never resends); the listeners keep running and a failure of theirs is reported as handler_failed.`;
    default:
      return undefined;
  }
}

/** Where the payload failed its schema, by path: no values. */
function summarizeIssues(issues: NonNullable<WebhookError["issues"]>): string {
  const shown = issues.slice(0, 3).map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`);
  return issues.length > 3 ? `${shown.join("; ")}; +${issues.length - 3} more` : shown.join("; ");
}
