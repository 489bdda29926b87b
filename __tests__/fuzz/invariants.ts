import { inspect } from "node:util";
import vm from "node:vm";
import type { WebhookResponse } from "../../lib/core/types.js";

/** Every status the README's answer policy allows (408 since bodies have a read timeout). */
export const DOCUMENTED_STATUSES: ReadonlySet<number> = new Set([200, 400, 401, 403, 405, 408, 413, 415, 500, 503]);

/** Every error code of the README's errors table. */
export const DOCUMENTED_CODES: ReadonlySet<string> = new Set([
  "method_not_allowed",
  "signature_missing",
  "signature_mismatch",
  "ip_not_allowed",
  "verification_failed",
  "auth_unavailable",
  "body_too_large",
  "body_too_deep",
  "request_aborted",
  "request_timeout",
  "unsupported_media_type",
  "unsupported_charset",
  "unsupported_encoding",
  "malformed_body",
  "invalid_envelope",
  "invalid_payload",
  "handler_failed",
  "dispatch_timeout",
  "delivery_in_progress",
  "store_unavailable",
  "shutting_down",
  "internal_error",
]);

/**
 * Checks an answer against the README: a documented status, string headers, and a JSON
 * body that is `{ ok: true }` (maybe `duplicate`) for 2xx and exactly `{ error, message }`
 * otherwise. `internal_error` ("a bug of ours") counts as a failure. Returns the body.
 */
export function assertDocumentedAnswer(answer: Pick<WebhookResponse, "status" | "headers" | "body">): Record<string, unknown> {
  if (!DOCUMENTED_STATUSES.has(answer.status)) throw new Error(`undocumented status ${answer.status}: ${answer.body}`);
  for (const [name, value] of Object.entries(answer.headers)) {
    if (typeof value !== "string") throw new Error(`header ${name} is not a string`);
  }
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  if (answer.status === 200) {
    if (body["ok"] !== true) throw new Error(`200 without ok: ${answer.body}`);
    return body;
  }
  const keys = Object.keys(body).sort().join(",");
  if (keys !== "error,message" || typeof body["error"] !== "string" || typeof body["message"] !== "string") {
    throw new Error(`refusal body is not { error, message }: ${answer.body}`);
  }
  if (!DOCUMENTED_CODES.has(body["error"])) throw new Error(`undocumented error code: ${answer.body}`);
  if (body["error"] === "internal_error") throw new Error(`internal_error (a bug of ours): ${answer.body}`);
  return body;
}

// Jest hands each test file a copy of `process` that never hears of unhandled rejections;
// the process the code really runs in is the one of Node's main context.
const realProcess = vm.runInThisContext("process") as NodeJS.Process;

/** Records unhandled rejections and uncaught exceptions while a suite runs. */
export interface ProcessWatch {
  readonly failures: unknown[];
  /** Lets pending rejections surface (one macrotask), then throws if any did. */
  assertQuiet(): Promise<void>;
  dispose(): void;
}

export function watchProcess(): ProcessWatch {
  const failures: unknown[] = [];
  const record = (reason: unknown): void => {
    failures.push(reason);
  };
  realProcess.on("unhandledRejection", record);
  realProcess.on("uncaughtException", record);
  return {
    failures,
    async assertQuiet() {
      await new Promise((resolve) => setImmediate(resolve));
      if (failures.length > 0) throw new Error(`unhandled rejection or uncaught exception: ${inspect(failures.splice(0))}`);
    },
    dispose() {
      realProcess.off("unhandledRejection", record);
      realProcess.off("uncaughtException", record);
    },
  };
}

const GUARDED: readonly object[] = [
  Object.prototype,
  Array.prototype,
  Function.prototype,
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  Promise.prototype,
  RegExp.prototype,
];

type PrototypeState = Map<PropertyKey, PropertyDescriptor | undefined>[];

function prototypeState(): PrototypeState {
  return GUARDED.map(
    (prototype) => new Map(Reflect.ownKeys(prototype).map((key) => [key, Object.getOwnPropertyDescriptor(prototype, key)])),
  );
}

function sameDescriptor(a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined): boolean {
  return a?.value === b?.value && a?.get === b?.get && a?.set === b?.set;
}

const pristine = prototypeState();

/** Throws if any built-in prototype gained, lost or replaced a property since this module loaded. */
export function assertNoPrototypePollution(): void {
  prototypeState().forEach((now, index) => {
    const before = pristine[index]!;
    for (const [key, value] of now) {
      if (!before.has(key)) throw new Error(`prototype #${index} gained ${String(key)}`);
      if (!sameDescriptor(before.get(key), value)) throw new Error(`prototype #${index} had ${String(key)} replaced`);
    }
    if (now.size !== before.size) throw new Error(`prototype #${index} lost a property`);
  });
}

/** Everything a value shows when printed or serialised, at any depth (errors with cause and stack). */
export function textOf(value: unknown): string {
  let json = "";
  try {
    // `undefined` for a function or a symbol, whatever the type says: the template keeps it text.
    json = `${JSON.stringify(value) as string | undefined}`;
  } catch {
    // Cycles or BigInts: inspect below still shows everything.
  }
  return `${json}\n${inspect(value, { depth: Infinity, showHidden: true, maxArrayLength: Infinity, maxStringLength: Infinity, getters: true })}`;
}

/** Throws if `text` holds a secret, or a 16-character run of one (a truncated echo). */
export function assertNoSecret(text: string, secrets: readonly string[], where: string): void {
  for (const secret of secrets) {
    const probes = secret.length > 20 ? [secret, secret.slice(4, 20)] : [secret];
    for (const probe of probes) {
      if (text.includes(probe)) throw new Error(`a secret leaked into ${where}`);
    }
  }
}
