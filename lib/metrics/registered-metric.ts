import type { OpenMetricsContentType, Registry } from "prom-client";

/** A prom-client registry of either exposition format. */
export type AnyRegistry = Registry | Registry<OpenMetricsContentType>;

/** A metric's label names, sorted and joined (prom-client keeps them, untyped, on the metric). */
function labelsOf(metric: object): string | undefined {
  const names: unknown = "labelNames" in metric ? metric.labelNames : undefined;
  return Array.isArray(names)
    ? names
        .map((name: unknown) => String(name))
        .sort()
        .join(",")
    : undefined;
}

/**
 * The metric of that name already in the registry, or `create()`'s, registered there.
 * Lets two receivers (or two `webhookMetrics()` calls) share one registry, where
 * prom-client would throw "already registered"; refuses a same-named metric of another
 * kind or labels, which could only be someone else's.
 */
export function registeredMetric<M extends object>(
  registry: AnyRegistry,
  name: string,
  labelNames: readonly string[],
  Kind: new (...args: never[]) => M,
  create: () => M,
): M {
  const existing = registry.getSingleMetric(name);
  if (existing === undefined) return create();
  if (!(existing instanceof Kind) || labelsOf(existing) !== [...labelNames].sort().join(",")) {
    throw new TypeError(`webhookMetrics: the registry already has another metric named "${name}"; choose another prefix.`);
  }
  return existing;
}
