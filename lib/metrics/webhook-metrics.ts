import { Counter, Histogram, register } from "prom-client";
import type { DispatchedInfo, ReceiverHooks } from "../core/hooks.js";
import type { InboxStore } from "../inbox/types.js";
import { dedupeEvictionsCounter } from "./dedupe-evictions-counter.js";
import { eventLabel } from "./event-label.js";
import { inboxGauge, observeInboxStore, type ObserveInboxOptions } from "./observe-inbox.js";
import { outcomeLabel } from "./outcome-label.js";
import { registeredMetric, type AnyRegistry } from "./registered-metric.js";

/** Options of {@link webhookMetrics}. */
export interface WebhookMetricsOptions {
  /** Where the metrics are registered. @default prom-client's global `register` */
  registry?: AnyRegistry;
  /** Prepended to every metric name. @default "webhook_" */
  prefix?: string;
  /**
   * Event names the receivers have no schema for that still get their own `event`
   * label (e.g. ones you handle with `onAny`). Every other unknown name is `"unknown"`:
   * senders choose names, and each name would be a new series.
   * @default []
   */
  knownEvents?: readonly string[];
  /** Histogram buckets, in seconds. @default prom-client's (5 ms to 10 s) */
  buckets?: readonly number[];
}

/** The hooks to give receivers, and a way to report an inbox's depth. */
export interface WebhookMetrics {
  /** Pass as the receivers' `hooks` option (one object may serve every receiver). */
  readonly hooks: ReceiverHooks;
  /**
   * Reports the store's record counts as `<prefix>inbox_records{status}`, read on each
   * scrape. A store that fails or takes over `timeoutMs` is left out of that scrape.
   * Returns a function that stops observing it.
   */
  observeInbox(store: InboxStore, options?: ObserveInboxOptions): () => void;
}

const NAME_PREFIX = /^([a-zA-Z_:][a-zA-Z0-9_:]*)?$/;

/**
 * Prometheus metrics of every receiver given its `hooks`, through prom-client:
 * requests by outcome and status, events by result, dispatch and request durations,
 * duplicates, in-memory dedupe evictions, and inbox depth. Label values are bounded: no delivery ids, and event
 * names only where a schema (or `knownEvents`) names them.
 *
 * @example
 * const metrics = webhookMetrics({ registry });
 * const misskey = createMisskeyReceiver({ secret, hooks: metrics.hooks });
 * metrics.observeInbox(inbox);
 * app.get("/metrics", async (_req, res) => res.type(registry.contentType).send(await registry.metrics()));
 */
export function webhookMetrics(options: WebhookMetricsOptions = {}): WebhookMetrics {
  const { registry = register, prefix = "webhook_" } = options;
  if (!NAME_PREFIX.test(prefix)) throw new TypeError(`webhookMetrics: prefix "${prefix}" is not a valid Prometheus metric name prefix.`);
  const extra = new Set(options.knownEvents ?? []);
  const buckets = options.buckets && [...options.buckets];

  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> =>
    registeredMetric<Counter<L>>(
      registry,
      prefix + name,
      labelNames,
      Counter,
      () => new Counter({ name: prefix + name, help, labelNames, registers: [registry] }),
    );
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[]): Histogram<L> =>
    registeredMetric<Histogram<L>>(
      registry,
      prefix + name,
      labelNames,
      Histogram,
      () => new Histogram({ name: prefix + name, help, labelNames, registers: [registry], ...(buckets && { buckets }) }),
    );

  const requests = counter(
    "requests_total",
    "Webhook requests answered, by provider, outcome (ok, duplicate or an error code) and HTTP status.",
    ["provider", "outcome", "status"],
  );
  const requestDuration = histogram("request_duration_seconds", "Time from a webhook request's arrival to its answer.", [
    "provider",
    "outcome",
  ]);
  const events = counter(
    "events_total",
    "Webhook events by name and result: dispatched, failed (listeners threw or timed out), duplicate, invalid (failed its schema).",
    ["provider", "event", "result"],
  );
  const dispatchDuration = histogram(
    "dispatch_duration_seconds",
    "Time spent in an event's listeners (successful or not, inbox retries included).",
    ["provider", "event"],
  );
  const duplicates = counter("duplicates_total", "Repeated deliveries acknowledged without dispatching.", ["provider"]);
  dedupeEvictionsCounter(registry, `${prefix}dedupe_evictions_total`);
  let gauge: ReturnType<typeof inboxGauge> | undefined;

  const dispatched = (info: DispatchedInfo, result: "dispatched" | "failed"): void => {
    const event = eventLabel(info.event, info.known, extra);
    events.inc({ provider: info.provider, event, result });
    dispatchDuration.observe({ provider: info.provider, event }, info.durationMs / 1000);
  };

  const hooks: ReceiverHooks = {
    onRejected(info) {
      // Only a known event can fail its schema, so its name is a bounded label.
      if (info.code === "invalid_payload" && info.event !== undefined) {
        events.inc({ provider: info.provider, event: eventLabel(info.event, true, extra), result: "invalid" });
      }
    },
    onDispatched(info) {
      dispatched(info, "dispatched");
    },
    onFailed(info) {
      dispatched(info, "failed");
    },
    onResponse(info) {
      const outcome = outcomeLabel(info.outcome);
      requests.inc({ provider: info.provider, outcome, status: String(info.status) });
      requestDuration.observe({ provider: info.provider, outcome }, info.durationMs / 1000);
      if (info.outcome === "duplicate") {
        duplicates.inc({ provider: info.provider });
        if (info.event !== undefined)
          events.inc({ provider: info.provider, event: eventLabel(info.event, info.known, extra), result: "duplicate" });
      }
    },
  };

  return {
    hooks,
    observeInbox(store, inboxOptions) {
      gauge ??= inboxGauge(registry, `${prefix}inbox_records`);
      return observeInboxStore(gauge, store, inboxOptions);
    },
  };
}
