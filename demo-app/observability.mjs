// What an operator would add in production: structured logs (pino), Prometheus metrics
// at /metrics, one hook set shared by all six receivers.
import pino from "pino";
import { Registry, collectDefaultMetrics } from "prom-client";
import { webhookMetrics } from "express-webhook-receivers/metrics";

export function createObservability() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = webhookMetrics({ registry });
  // One JSON line per refusal and failure, to stderr so the console's event lines stay readable.
  const logger = pino({ name: "webhooks", level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  return {
    logger,
    hooks: metrics.hooks,
    observeInbox: (inbox) => metrics.observeInbox(inbox),
    async serveMetrics(_req, res) {
      res.type(registry.contentType).send(await registry.metrics());
    },
  };
}
