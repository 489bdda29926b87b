import type { z } from "zod";

// What each option expects, in words. Paths use "[]" for any array index.
const EXPECTED: Readonly<Record<string, string>> = {
  "": "an object",
  secret: "a non-empty string, an array of them, or a function",
  "secret[]": "a non-empty string",
  allowUnauthenticated: "true or false",
  limit: 'a positive whole number of bytes, or a size such as "512kb" or "1mb"',
  dedupe: "false, a store with get, set and delete, or { store, ttlMs }",
  "dedupe.store": "a store with get, set and delete",
  "dedupe.ttlMs": "a positive whole number of milliseconds",
  ack: '"after-dispatch" or "immediate"',
  dispatchTimeoutMs: "a positive whole number of milliseconds",
  logger: "a logger with warn and error methods (pino, console, ...), or false to silence it",
  multipart: "{ maxFileSize, maxFiles, maxFields, maxFieldSize }",
  "multipart.maxFileSize": "a positive whole number of bytes",
  "multipart.maxFiles": "a positive whole number",
  "multipart.maxFields": "a positive whole number",
  "multipart.maxFieldSize": "a positive whole number of bytes",
  maxFields: "a positive whole number",
  bodyTimeoutMs: "a positive whole number of milliseconds",
  inbox: "an inbox store, or { store, maxAttempts, leaseMs, pollIntervalMs, backoffMs, maxBackoffMs, ingestOnly }",
  "inbox.store": "an inbox store (a SqliteInbox, PostgresInbox, RedisInbox or MemoryInbox)",
  "inbox.ingestOnly": "true or false",
  queue: "a delivery queue with enqueue (e.g. new BullmqHandoff(queue))",
  "inbox.maxAttempts": "a positive whole number",
  "inbox.leaseMs": "a positive whole number of milliseconds",
  "inbox.pollIntervalMs": "a positive whole number of milliseconds",
  "inbox.backoffMs": "a positive whole number of milliseconds",
  "inbox.maxBackoffMs": "a positive whole number of milliseconds",
  hooks: "an object of hook functions (onRequest, onRejected, ...) or an array of them",
  resolverTimeoutMs: "a positive whole number of milliseconds",
  logPayloads: "true or false",
  auth: "{ token }, { basic }, { allowIps } or { verify }",
  "auth.token": "a non-empty string, an array of them, or a function",
  "auth.token[]": "a non-empty string",
  "auth.basic": "{ username, password } (non-empty strings) or a function",
  "auth.basic.username": "a non-empty string without ':'",
  "auth.basic.password": "a non-empty string",
  "auth.allowIps": "a non-empty array of IP addresses or CIDR ranges",
  "auth.allowIps[]": "an IP address or CIDR range (a string)",
  "auth.verify": "a function",
};

// Credentials (and `auth: "<token>"`): what was given is described by its type only, never its value.
const SECRET = /^auth$|^(secret|auth\.token|auth\.basic)(\.|\[|$)/;

/**
 * The construction error for options that failed their schema: one sentence per
 * problem naming the factory, the option, what it takes and what it was given (the
 * type only, for a secret), with a hint where a secret looks like an unset variable.
 */
export function optionsError(factory: string, issues: readonly z.core.$ZodIssue[], options: unknown, known: readonly string[]): TypeError {
  // An unknown key under auth already says why auth has nothing usable.
  const unknownInAuth = issues.some((issue) => issue.code === "unrecognized_keys" && dotted(pathOf(issue)) === "auth");
  const relevant = unknownInAuth ? issues.filter((issue) => !(issue.code === "custom" && dotted(pathOf(issue)) === "auth")) : issues;
  const sentences = [...new Set(relevant.flatMap((issue) => describeIssue(issue, [], options, known)))];
  const text =
    sentences.length === 1
      ? `${factory}: ${sentences[0]}`
      : `${factory}: ${sentences.length} problems with the options:\n- ${sentences.join("\n- ")}`;
  return new TypeError(text);
}

/** The sentence for one option that cannot be empty, e.g. `secret: process.env.X` with X unset. */
export function missingSecret(path: string, value: unknown): string {
  return `option "${path}" must be ${EXPECTED[path] ?? "set"}; got ${describe(value, true)}.${envHint(value)}`;
}

function pathOf(issue: z.core.$ZodIssue, base: readonly (string | number)[] = []): (string | number)[] {
  return [...base, ...issue.path.filter((key): key is string | number => typeof key !== "symbol")];
}

function describeIssue(issue: z.core.$ZodIssue, base: readonly (string | number)[], options: unknown, known: readonly string[]): string[] {
  const path = pathOf(issue, base);
  if (issue.code === "invalid_union") {
    // The one alternative whose shape was right (e.g. an array) says what is wrong inside it.
    const [inside, ...others] = issue.errors.filter((branch) => branch.every((nested) => nested.path.length > 0));
    if (inside !== undefined && others.length === 0) return inside.flatMap((nested) => describeIssue(nested, path, options, known));
  }
  if (issue.code === "unrecognized_keys") {
    const parent = dotted(path);
    const container = valueAt(options, path);
    // { get() {} } for dedupe: an incomplete store, not a misspelt option.
    if ((parent === "dedupe" || parent === "inbox") && issue.keys.some((key) => typeof valueAt(container, [key]) === "function")) {
      return [`option "${parent}" must be ${EXPECTED[parent]}; got ${describe(container, false)}.`];
    }
    return issue.keys.map((key) => {
      const suggestion = closest(key, knownAt(parent, known));
      const full = parent ? `${parent}.${key}` : key;
      return `unknown option "${full}"${suggestion === undefined ? "" : ` (did you mean "${parent ? `${parent}.` : ""}${suggestion}"?)`}.`;
    });
  }
  const value = valueAt(options, path);
  const name = dotted(path);
  // The auth refinement: nothing set, often because each variable read was unset.
  if (name === "auth" && issue.code === "custom" && isRecord(value)) {
    const unset = Object.keys(value).find((key) => value[key] === undefined);
    if (unset !== undefined) return [missingSecret(`auth.${unset}`, undefined)];
    return [`option "auth" must set one of token, basic, allowIps or verify; got ${describe(value, false)}.`];
  }
  const pattern = name.replace(/\[\d+\]/g, "[]");
  const secret = SECRET.test(name) || name === "";
  const expected = EXPECTED[pattern];
  const what = name === "" ? "the options" : `option "${name}"`;
  const given = `got ${describe(value, secret)}.${secret ? envHint(value) : ""}`;
  // A refinement's own words (e.g. "cannot contain ':'") say more than the generic expectation.
  const detail = issue.code === "custom" && !/^Invalid input|^Expected /.test(issue.message) ? ` (${issue.message})` : "";
  if (expected !== undefined) return [`${what} must be ${expected}${detail}; ${given}`];
  return [`${what} is invalid (${issue.message}); ${given}`];
}

function envHint(value: unknown): string {
  const empty = value === undefined || value === "" || (Array.isArray(value) && value.length === 0);
  return empty ? " Is the environment variable you read it from set?" : "";
}

/** What was given: its type, and (unless it is a secret) its value. */
function describe(value: unknown, secret: boolean): string {
  if (value === undefined) return "undefined";
  if (value === null) return "null";
  if (typeof value === "string")
    return value === "" ? "an empty string" : secret ? "a string" : `the string ${clip(JSON.stringify(value))}`;
  if (typeof value === "number" || typeof value === "bigint") return secret ? `a ${typeof value}` : `the number ${String(value)}`;
  if (typeof value === "boolean") return secret ? "a boolean" : String(value);
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : `an array of ${value.length}`;
  const record = value as Record<string, unknown>;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const kind = proto === null || proto === Object.prototype ? "an object" : `a ${proto.constructor?.name || "object"}`;
  const keys = Object.keys(record);
  if (keys.length === 0) return kind === "an object" ? "an empty object" : kind;
  return `${kind} with the key${keys.length === 1 ? "" : "s"} ${clip(keys.join(", "))}`;
}

function clip(text: string): string {
  return text.length <= 60 ? text : `${text.slice(0, 60)}…`;
}

function dotted(path: readonly (string | number)[]): string {
  return path.reduce<string>((name, key) => (typeof key === "number" ? `${name}[${key}]` : name ? `${name}.${key}` : key), "");
}

function valueAt(options: unknown, path: readonly (string | number)[]): unknown {
  let value: unknown = options;
  for (const key of path) value = isRecord(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The option names one level under `parent` ("" for the top level). */
function knownAt(parent: string, known: readonly string[]): string[] {
  const names = new Set(parent === "" ? known : []);
  for (const key of Object.keys(EXPECTED)) {
    const prefix = parent === "" ? "" : `${parent}.`;
    if (key.startsWith(prefix) && key !== parent && !key.slice(prefix.length).includes(".") && !key.includes("[]")) {
      if (parent === "" || key.length > prefix.length) names.add(key.slice(prefix.length));
    }
  }
  names.delete("");
  return [...names];
}

/** A known name the given one is probably a typo of. */
function closest(given: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of names) {
    const distance = name.toLowerCase() === given.toLowerCase() ? 0 : editDistance(given.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return bestDistance <= Math.max(1, Math.min(3, Math.floor(given.length / 3))) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
