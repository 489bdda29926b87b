import { isUnsafeKey } from "./safe-keys.js";

/** Deepest `a[b][c]` nesting expanded; deeper brackets stay part of the last key. */
const MAX_DEPTH = 32;
/** Largest numeric index turned into an array slot; above it, an object key. */
const MAX_ARRAY_INDEX = 1000;

type Node = Record<string, unknown> | unknown[];

/** Splits "a[b][0][]" into ["a", "b", "0", ""]; a malformed key is one segment. */
export function splitKey(key: string): string[] {
  const open = key.indexOf("[");
  if (open <= 0 || !key.endsWith("]")) return [key];
  const segments = [key.slice(0, open)];
  let rest = key.slice(open);
  while (rest.length > 0 && segments.length <= MAX_DEPTH) {
    const close = rest.indexOf("]");
    if (rest[0] !== "[" || close === -1) return [key];
    segments.push(rest.slice(1, close));
    rest = rest.slice(close + 1);
  }
  // Brackets past MAX_DEPTH stay part of the last segment (there is always one: the name before "[").
  if (rest.length > 0) segments.push(`${segments.pop() ?? ""}${rest}`);
  return segments;
}

function isIndex(segment: string): boolean {
  return /^\d{1,4}$/.test(segment) && Number(segment) <= MAX_ARRAY_INDEX;
}

// Own properties only: a key such as "toString" must not find Object.prototype's.
function own(container: Node, segment: string): unknown {
  return Object.hasOwn(container, segment) ? (container as Record<string, unknown>)[segment] : undefined;
}

function child(container: Node, segment: string, next: string): Node {
  const existing = own(container, segment);
  if (typeof existing === "object" && existing !== null) return existing as Node;
  const created: Node = next === "" || isIndex(next) ? [] : {};
  assign(container, segment, created);
  return created;
}

function assign(container: Node, segment: string, value: unknown): void {
  if (Array.isArray(container)) {
    // Indexing, not push(): a key "push" may have shadowed the method.
    if (segment === "") container[container.length] = value;
    else if (isIndex(segment)) container[Number(segment)] = value;
    // A named key inside an array: keep it rather than drop data ("length" would resize it).
    else if (segment !== "length") (container as unknown as Record<string, unknown>)[segment] = value;
    return;
  }
  const previous = own(container, segment);
  // Repeated plain keys ("tag=a&tag=b") collect into an array, as qs does.
  if (previous !== undefined && typeof previous !== "object") container[segment] = [previous, value];
  else if (Array.isArray(previous) && typeof value !== "object") previous[previous.length] = value;
  else container[segment] = value;
}

/**
 * Turns form fields into an object the way Rails and qs do: `a[b][c]=1` nests, `a[]=1`
 * and `a[0]=1` make arrays, a repeated key collects into an array. Keys that could
 * reach a prototype (`__proto__`, `constructor`, `prototype`) are dropped.
 */
export function expandNestedKeys(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const segments = splitKey(key);
    if (segments.some(isUnsafeKey)) continue;
    // Each segment but the last names a container, created as the segment after it asks ([] or {}).
    let container: Node = root;
    let segment: string | undefined;
    for (const next of segments) {
      if (segment !== undefined) container = child(container, segment, next);
      segment = next;
    }
    if (segment !== undefined) assign(container, segment, value);
  }
  return root;
}

/**
 * Expands an object whose keys are still flat (`{ "object[id]": "1" }`), e.g. from
 * `express.urlencoded({ extended: false })`; values qs already nested are kept as they are.
 */
export function expandFlatObject(value: Record<string, unknown>): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(value)) {
    const item = value[key];
    // querystring gives a repeated "tags[]" as one array: spread it as the repeated fields it was.
    if (Array.isArray(item) && key.includes("[")) for (const one of item) entries.push([key, one]);
    else entries.push([key, item]);
  }
  return expandNestedKeys(entries);
}
