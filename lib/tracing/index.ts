export { webhookTracing, type WebhookTracingOptions } from "./webhook-tracing.js";
export { WEBHOOK_ATTRIBUTES } from "./attributes.js";
