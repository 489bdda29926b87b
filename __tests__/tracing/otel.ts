import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** An SDK that keeps finished spans in memory, with async context propagation. */
export function inMemoryTracing() {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const manager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(manager);
  const tracer = provider.getTracer("test");
  return {
    exporter,
    provider,
    tracer,
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    /** Registers the provider globally (for the default tracer). */
    register: () => trace.setGlobalTracerProvider(provider),
    async shutdown() {
      await provider.shutdown();
      manager.disable();
      context.disable();
      trace.disable();
    },
  };
}

/** The finished span of that name (exactly one). */
export function spanNamed(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`${found.length} spans named "${name}" among ${JSON.stringify(spans.map((s) => s.name))}`);
  return found[0]!;
}

/** True when `child`'s parent is `parent`. */
export function isChildOf(child: ReadableSpan, parent: ReadableSpan): boolean {
  return child.parentSpanContext?.spanId === parent.spanContext().spanId && child.spanContext().traceId === parent.spanContext().traceId;
}
