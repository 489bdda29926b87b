import { isUnsafeKey } from "./safe-keys.js";
import { DEFAULT_STRUCTURE_LIMITS, tooDeep, tooManyContainers, type StructureLimits } from "./structure-limits.js";

/**
 * Largest index read as an array slot: qs's default `arrayLimit` is 20 indexes (0–19), a
 * larger one turns the array into an object with string keys. So an index can never make
 * a big array (`a[99999999]` would be a 100-million-slot one), and at most 20 slots are
 * held for holes until they are compacted away.
 */
const MAX_ARRAY_INDEX = 19;

type Node = Record<string, unknown> | unknown[];

/**
 * Splits "a[b][0][]" into ["a", "b", "0", ""]; a malformed key is one segment. Stops after
 * `maxSegments + 1` segments (the caller refuses the key): a long key is never split whole.
 */
export function splitKey(key: string, maxSegments = Number.POSITIVE_INFINITY): string[] {
  const open = key.indexOf("[");
  if (open <= 0 || !key.endsWith("]")) return [key];
  const segments = [key.slice(0, open)];
  let at = open;
  while (at < key.length) {
    const close = key.indexOf("]", at);
    if (key[at] !== "[" || close === -1) return [key];
    segments.push(key.slice(at + 1, close));
    if (segments.length > maxSegments) return segments;
    at = close + 1;
  }
  return segments;
}

/** A canonical index up to MAX_ARRAY_INDEX ("01" is a name, as in qs). */
function isIndex(segment: string): boolean {
  const { length } = segment;
  if (length === 0 || length > 2) return false;
  const first = segment.charCodeAt(0);
  if (length === 1) return first >= 48 && first <= 57;
  const second = segment.charCodeAt(1);
  return first >= 49 && first <= 57 && second >= 48 && second <= 57 && Number(segment) <= MAX_ARRAY_INDEX;
}

/** An object or array made here (a multipart file or another value given in is a leaf). */
function isNode(value: unknown, made: WeakSet<object>): value is Node {
  return typeof value === "object" && value !== null && made.has(value);
}

// Own properties only: a key such as "toString" must not find Object.prototype's.
function own(node: Node, key: string): unknown {
  return Object.hasOwn(node, key) ? (node as Record<string, unknown>)[key] : undefined;
}

/** An integer key, which V8 keeps among an object's elements rather than its named properties. */
const ELEMENT_KEY = /^(?:0|[1-9]\d{0,9})$/;
/** How far past its last element V8 still grows an object's flat element store (beyond: a dictionary). */
const MAX_ELEMENT_GAP = 1024;
/** Element slots that cost as much as one object (8 bytes each, ~64 bytes an object). */
const SLOTS_PER_CONTAINER = 8;

/**
 * The state of one body's expansion: what it made, what it may still spend, what to
 * compact. The budget counts objects and arrays, and the element slots V8 allocates for
 * integer keys: `{}` given the key "1000" holds ~1,500 slots (12 KB), so a form of
 * `a[1000][1000]…` keys would otherwise cost ~20,000× its size even with no array at all.
 */
class Expansion {
  readonly made = new WeakSet();
  readonly sparse: unknown[][] = [];
  // Made on first use: most forms have no integer keys, and these cost more than a form of ten fields.
  #slots: WeakMap<object, number> | undefined;
  #nextKeys: WeakMap<object, number> | undefined;
  #left: number;
  readonly #limits: StructureLimits;

  constructor(limits: StructureLimits) {
    this.#limits = limits;
    // The root object is one.
    this.#left = limits.maxContainers - 1;
  }

  #spend(units: number): void {
    this.#left -= units;
    if (this.#left < 0) throw tooManyContainers(this.#limits.maxContainers);
  }

  create(asArray: boolean): Node {
    this.#spend(1);
    const node: Node = asArray ? [] : {};
    this.made.add(node);
    return node;
  }

  /** Charges the element slots V8 grows `node` to for an integer `key` (index + 1, half again, + 16). */
  element(node: Node, key: string): void {
    const first = key.charCodeAt(0);
    if (!(first >= 48 && first <= 57) || !ELEMENT_KEY.test(key)) return;
    const index = Number(key);
    this.#slots ??= new WeakMap();
    const held = this.#slots.get(node) ?? 0;
    if (index < held) return;
    // Far past the last one, V8 switches to a dictionary: a few words per key.
    if (index >= held + MAX_ELEMENT_GAP) {
      this.#spend(1);
      return;
    }
    const grown = Math.ceil((index + 1) * 1.5) + 16;
    this.#slots.set(node, grown);
    this.#spend(Math.ceil((grown - held) / SLOTS_PER_CONTAINER));
  }

  /** The first integer key from 0 that `object` does not hold yet. */
  nextKey(object: Record<string, unknown>): string {
    this.#nextKeys ??= new WeakMap();
    let next = this.#nextKeys.get(object) ?? 0;
    while (Object.hasOwn(object, next)) next++;
    this.#nextKeys.set(object, next + 1);
    return String(next);
  }

  /** An array that met a key that is no index, as an object keyed by its indexes (qs's arrayToObject). */
  toObject(array: unknown[]): Record<string, unknown> {
    const object = this.create(false) as Record<string, unknown>;
    this.element(object, String(array.length - 1));
    array.forEach((item, index) => {
      object[index] = item;
    });
    return object;
  }
}

/** A container for the segment after `segment`: an array for "" or an index, else an object. */
function wantsArray(next: string): boolean {
  return next === "" || isIndex(next);
}

/**
 * Rack's rule for "[]" followed by a sub-key (`x[][z]=1&x[][w]=2` → `[{ z, w }]`): the
 * rest of the key goes into the last element unless that already holds the rest's path
 * (then a new element starts). A path holding "[]" itself never counts as held.
 */
function holdsPath(node: Node, segments: readonly string[], from: number, made: WeakSet<object>): boolean {
  let at: unknown = node;
  for (const segment of segments.slice(from)) {
    if (segment === "" || !isNode(at, made) || !Object.hasOwn(at, segment)) return false;
    at = (at as Record<string, unknown>)[segment];
  }
  return true;
}

/** Puts a leaf value under `key` of `node`, collecting repeats as qs does (never overwriting an array). */
function assign(node: Node, key: string, value: unknown, expansion: Expansion): void {
  const previous = own(node, key);
  if (Array.isArray(node)) {
    // A taken slot (`a[0]=x&a[0]=y`) appends, as qs merges.
    if (previous !== undefined) node[node.length] = value;
    else setSlot(node, Number(key), value, expansion);
    return;
  }
  // Repeated plain keys ("tag=a&tag=b") collect into an array, as qs does; so does an
  // object then a value (`a[b]=c&a=d` → [{ b: "c" }, "d"]), which Rack would overwrite.
  if (
    previous !== undefined &&
    (typeof previous !== "object" || (previous !== null && expansion.made.has(previous) && !Array.isArray(previous)))
  ) {
    const pair = expansion.create(true) as unknown[];
    pair[0] = previous;
    pair[1] = value;
    node[key] = pair;
  } else if (Array.isArray(previous) && expansion.made.has(previous)) previous[previous.length] = value;
  else {
    if (previous === undefined) expansion.element(node, key);
    node[key] = value;
  }
}

/** Sets an array slot (index ≤ MAX_ARRAY_INDEX); an array left with holes is compacted at the end. */
function setSlot(array: unknown[], index: number, value: unknown, expansion: Expansion): void {
  expansion.element(array, String(index));
  if (index > array.length) expansion.sparse.push(array);
  // Indexing, not push(): nothing here can shadow the method, but it says so.
  array[index] = value;
}

/** Removes holes, keeping order (qs compacts `a[1]=b` to `["b"]`). */
function compact(array: unknown[]): void {
  let write = 0;
  for (let read = 0; read < array.length; read++) {
    if (read in array) array[write++] = array[read];
  }
  array.length = write;
}

function insert(root: Record<string, unknown>, segments: readonly string[], value: unknown, expansion: Expansion): void {
  let parent: Node = root;
  let parentKey = "";
  let node: Node = root;
  const last = segments.length - 1;
  for (let i = 0; i <= last; i++) {
    let segment = segments[i] ?? "";
    // A key that is no index turns an array into an object (qs), keeping its items.
    if (Array.isArray(node) && segment !== "" && !isIndex(segment)) {
      const object = expansion.toObject(node);
      (parent as Record<string, unknown>)[parentKey] = object;
      node = object;
    }
    if (!Array.isArray(node) && segment === "" && node !== root) {
      // "[]" on what became an object appends under the next integer key, as qs does.
      segment = expansion.nextKey(node);
    } else if (Array.isArray(node) && segment === "") {
      const tail = node[node.length - 1];
      // "[]" then a sub-key: into the last element while it lacks that sub-key (Rack).
      segment = String(
        i < last && isNode(tail, expansion.made) && !holdsPath(tail, segments, i + 1, expansion.made) ? node.length - 1 : node.length,
      );
    }
    if (i === last) {
      assign(node, segment, value, expansion);
      return;
    }
    const asArray = wantsArray(segments[i + 1] ?? "");
    const existing = own(node, segment);
    let child: Node;
    // Where the child is held, should it have to become an object later.
    let holder: Node = node;
    let holderKey = segment;
    if (isNode(existing, expansion.made)) {
      child = existing;
    } else if (existing === undefined) {
      child = expansion.create(asArray);
      if (Array.isArray(node)) setSlot(node, Number(segment), child, expansion);
      else {
        expansion.element(node, segment);
        node[segment] = child;
      }
    } else if (Array.isArray(node)) {
      // A taken slot holding a value: the new container goes after it (qs's merge pushes).
      child = expansion.create(asArray);
      holderKey = String(node.length);
      node[node.length] = child;
    } else if (asArray) {
      // `a=b&a[]=c` → ["b", "c"], as qs reads it (Rack refuses the mix).
      child = expansion.create(true);
      (child as unknown[])[0] = existing;
      node[segment] = child;
    } else {
      // `a=b&a[x]=c` → ["b", { x: "c" }], as qs reads it.
      child = expansion.create(false);
      const pair = expansion.create(true) as unknown[];
      pair[0] = existing;
      pair[1] = child;
      node[segment] = pair;
      holder = pair;
      holderKey = "1";
    }
    parent = holder;
    parentKey = holderKey;
    node = child;
  }
}

/**
 * Turns form fields into an object the way Rack's `parse_nested_query` and qs read them:
 * `a[b][c]=1` nests, `a[]=1` appends, `a[0]=1` indexes (up to 20; a larger index or a
 * name makes the array an object), holes are compacted, a repeated key collects into an
 * array, and `x[][z]=1&x[][w]=2` is one element `{ z, w }` (Rails' `to_query` of an
 * array of hashes). Keys that could reach a prototype (`__proto__`, `constructor`,
 * `prototype`) are dropped. A key nesting deeper than `maxDepth` is refused
 * (`body_too_deep`), and so is a body making more than `maxContainers` objects and
 * arrays (`body_too_large`).
 */
export function expandNestedKeys(
  entries: Iterable<readonly [string, unknown]>,
  limits: StructureLimits = DEFAULT_STRUCTURE_LIMITS,
): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const expansion = new Expansion(limits);
  for (const [key, value] of entries) {
    // Segments are levels: "a" sits in the root (level 1), "a[b]" in an object at level 2.
    const segments = splitKey(key, limits.maxDepth);
    if (segments.length > limits.maxDepth) throw tooDeep(limits.maxDepth);
    if (segments.some(isUnsafeKey)) continue;
    insert(root, segments, value, expansion);
  }
  for (const array of expansion.sparse) compact(array);
  return root;
}

/**
 * Expands an object whose keys are still flat (`{ "object[id]": "1" }`), e.g. from
 * `express.urlencoded({ extended: false })`; values qs already nested are kept as they are.
 */
export function expandFlatObject(
  value: Record<string, unknown>,
  limits: StructureLimits = DEFAULT_STRUCTURE_LIMITS,
): Record<string, unknown> {
  const entries: [string, unknown][] = [];
  for (const key of Object.keys(value)) {
    const item = value[key];
    // querystring gives a repeated "tags[]" as one array: spread it as the repeated fields it was.
    if (Array.isArray(item) && key.includes("[")) for (const one of item) entries.push([key, one]);
    else entries.push([key, item]);
  }
  return expandNestedKeys(entries, limits);
}
