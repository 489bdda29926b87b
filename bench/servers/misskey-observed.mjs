// Ours with everything an operator turns on: Prometheus metrics and OpenTelemetry
// tracing (a real SDK, batching spans to an exporter that drops them), plus the same
// listener as misskey.mjs. Compared with it in the same run: the cost of observability.
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { context, trace } from "@opentelemetry/api";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import express from "express";
import { Registry } from "prom-client";
import { createMisskeyReceiver } from "express-webhook-receivers";
import { webhookMetrics } from "express-webhook-receivers/metrics";
import { webhookTracing } from "express-webhook-receivers/tracing";

const dropSpans = { export: (_spans, done) => done({ code: 0 }), shutdown: async () => {} };

export function createHandler({ path, secret }, probe) {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(dropSpans)] }));
  const metrics = webhookMetrics({ registry: new Registry() });
  const misskey = createMisskeyReceiver({ secret, hooks: [metrics.hooks, webhookTracing()] });
  misskey.on("note", (event) => probe.count(event));
  misskey.onError((error) => probe.error(error.code));
  const app = express();
  app.use(path, misskey.router);
  return app;
}
