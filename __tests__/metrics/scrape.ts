import type { Registry } from "prom-client";

/** One sample of the text exposition: `name{labels} value`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** What Prometheus would read from `registry.metrics()`, parsed. */
export async function scrape(registry: Registry): Promise<Sample[]> {
  const text = await registry.metrics();
  return text.split("\n").flatMap((line) => {
    const match = LINE.exec(line);
    if (!match) return [];
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? "").matchAll(LABEL)) labels[key!] = value!;
    return [{ name: match[1]!, labels, value: Number(match[3]) }];
  });
}

/** Samples of that name whose labels are exactly `labels` (a bucket's `le` aside, unless given). */
export function find(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return samples.filter((s) => {
    if (s.name !== name) return false;
    const compared = { ...s.labels };
    if (name.endsWith("_bucket") && labels.le === undefined) delete compared.le;
    return JSON.stringify(Object.entries(compared).sort()) === wanted;
  });
}

/** The value of the one sample of that name and labels; undefined if there is none. */
export function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = find(samples, name, labels);
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

/** Every series of a metric, as `labels → value`, for exact comparisons. */
export function seriesOf(samples: readonly Sample[], name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name) continue;
    const key = Object.entries(s.labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    out[key] = s.value;
  }
  return out;
}
