import { valuesOf } from "./walk.js";

/** A small deterministic PRNG (mulberry32): a mutation is reproducible from its seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Container = Record<string, unknown> | unknown[];

/** Every container in a JSON tree, with the keys it holds. */
function containers(root: unknown): Container[] {
  const found: Container[] = [];
  const pending: unknown[] = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== "object" || value === null) continue;
    found.push(value as Container);
    for (const item of valuesOf(value)) pending.push(item);
  }
  return found;
}

const REPLACEMENTS: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  "",
  "x",
  "0",
  "2026-13-45",
  "x".repeat(2000),
  {},
  [],
  [null],
  { id: null },
  "__proto__",
];

function pick<T>(items: readonly T[], next: () => number): T {
  return items[Math.floor(next() * items.length)]!;
}

/** The value turned into another type, as a sender with a bug would send it. */
function retyped(value: unknown): unknown {
  if (typeof value === "string") return Number.isNaN(Number(value)) ? 42 : Number(value);
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "true" : 0;
  if (Array.isArray(value)) return value[0] ?? {};
  if (value === null) return "null";
  return JSON.stringify(value);
}

/**
 * A copy of a JSON value with 1 to 3 random edits: a key deleted, a value replaced or
 * retyped, an own `__proto__`/`constructor` key added.
 */
export function mutationOf(value: unknown, seed: number): unknown {
  const next = random(seed);
  const copy: unknown = structuredClone(value);
  const edits = 1 + Math.floor(next() * 3);
  for (let edit = 0; edit < edits; edit++) {
    const all = containers(copy);
    if (all.length === 0) return pick(REPLACEMENTS, next);
    const target = pick(all, next);
    const keys = Object.keys(target);
    const key = keys.length > 0 ? pick(keys, next) : "0";
    const record = target as Record<string, unknown>;
    switch (Math.floor(next() * 4)) {
      case 0:
        if (Array.isArray(target)) target.splice(Number(key), 1);
        else Reflect.deleteProperty(record, key);
        break;
      case 1:
        record[key] = structuredClone(pick(REPLACEMENTS, next));
        break;
      case 2:
        record[key] = retyped(record[key]);
        break;
      default:
        // On objects only: an array's own "constructor" would break the next splice() here, not the receiver.
        if (!Array.isArray(target)) {
          Object.defineProperty(target, pick(["__proto__", "constructor", "prototype"], next), {
            value: { polluted: true },
            enumerable: true,
            configurable: true,
            writable: true,
          });
        }
    }
  }
  return copy;
}

/** A copy with unknown fields added in random objects; `marker` is one of them, to find in the output. */
export function withExtraFields(value: unknown, seed: number): { value: unknown; marker: string } {
  const next = random(seed);
  const copy: unknown = structuredClone(value);
  // Empty objects in samples are maps (`reactions`, `emojis`, `settings`), whose values the schemas type: no fields to add there.
  const objects = containers(copy).filter(
    (container): container is Record<string, unknown> => !Array.isArray(container) && Object.keys(container).length > 0,
  );
  const marker = `zz_fuzz_${seed}`;
  if (objects.length === 0) return { value: copy, marker };
  pick(objects, next)[marker] = { added: [1, "two", null] };
  for (let i = 0; i < 3; i++) pick(objects, next)[`zz_extra_${i}`] = pick(REPLACEMENTS, next);
  return { value: copy, marker };
}
