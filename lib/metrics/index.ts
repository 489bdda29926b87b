export { webhookMetrics, type WebhookMetrics, type WebhookMetricsOptions } from "./webhook-metrics.js";
export type { ObserveInboxOptions } from "./observe-inbox.js";
export type { AnyRegistry } from "./registered-metric.js";
