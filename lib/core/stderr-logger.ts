import type { Logger } from "./types.js";

/** Every line the default logger writes starts with this. */
export const LOG_PREFIX = "[express-webhook-receivers]";

// Codes that mean an authenticated delivery did not reach (or failed in) the app's code:
// each line may be the only trace of an event, so none is ever held back. Every other
// code (refusals anyone on the internet can provoke, and 503s a resend repairs) is
// rate-limited, so a flood of forged requests cannot fill the disk.
const ALWAYS = new Set([
  "handler_failed",
  "dispatch_timeout",
  "invalid_payload",
  "invalid_envelope",
  "store_unavailable",
  "internal_error",
]);

const MAX_VALUE = 200;
const MAX_PAYLOAD = 4096;

/** Where lines go: one complete line (no newline) per call. */
export type LineSink = (level: "warn" | "error", line: string) => void;

export interface StderrLoggerOptions {
  /** @default a write of the line and "\n" to process.stderr */
  sink?: LineSink;
  /** Rate-limited lines: at most one per code per this long, then a count of the others. @default 60000 */
  intervalMs?: number;
}

interface Window {
  until: number;
  suppressed: number;
  timer: NodeJS.Timeout | undefined;
}

const toStderr: LineSink = (_level, line) => {
  process.stderr.write(`${line}\n`);
};

// Counts still held back when the process exits are written then (stderr writes are
// synchronous to files, terminals and pipes): one listener for every logger.
const atExit = new Set<() => void>();
let exitHooked = false;

function flushAtExit(flush: () => void): void {
  atExit.add(flush);
  if (exitHooked) return;
  exitHooked = true;
  process.once("exit", () => {
    for (const pending of atExit) pending();
  });
}

/**
 * The logger used when none is given: one line per refusal or failure on stderr, refusals
 * at most one per code per minute (with a count of the ones held back), failures of
 * authenticated deliveries always. Fields are printed as `key=value`; an `err` as its
 * name, message and first stack frame; nothing that reportError leaves out (secrets,
 * payloads unless `logPayloads`) can appear, since only the given fields are printed.
 */
export function stderrLogger({ sink = toStderr, intervalMs = 60_000 }: StderrLoggerOptions = {}): Logger {
  const windows = new Map<string, Window>();

  const flush = (window: Window, fields: Record<string, unknown>, what: string): void => {
    clearTimeout(window.timer);
    window.timer = undefined;
    if (window.suppressed === 0) return;
    const seconds = Math.round(intervalMs / 1000);
    const summary = `${window.suppressed} more ${what} not printed (at most one line of each kind per ${seconds} s)`;
    window.suppressed = 0;
    window.until = Date.now() + intervalMs;
    write(sink, "warn", formatLine("warn", fields, summary));
  };

  const log = (level: "warn" | "error", fields: object, message: string | undefined): void => {
    const record = fields as Record<string, unknown>;
    const code = typeof record["code"] === "string" ? record["code"] : undefined;
    // Lines without a code are notices from the library's own wiring (a hook or onError
    // listener that throws): they repeat with every request, so they are held back too.
    if (code !== undefined && ALWAYS.has(code)) {
      write(sink, level, formatLine(level, record, message));
      return;
    }
    const key = `${String(record["provider"])}\0${code ?? message ?? ""}`;
    const now = Date.now();
    const window = windows.get(key);
    if (window === undefined || (now >= window.until && window.timer === undefined)) {
      windows.set(key, { until: now + intervalMs, suppressed: 0, timer: undefined });
      write(sink, level, formatLine(level, record, message));
      return;
    }
    window.suppressed += 1;
    if (window.timer === undefined) {
      const summary: Record<string, unknown> = {};
      if (record["provider"] !== undefined) summary["provider"] = record["provider"];
      if (code !== undefined) summary["code"] = code;
      const what = code === undefined ? `lines like ${JSON.stringify(message ?? "")}` : `${code} lines`;
      const due = (): void => {
        atExit.delete(due);
        flush(window, summary, what);
      };
      window.timer = setTimeout(due, Math.max(0, window.until - now));
      // Held-back counts must not keep a process alive.
      window.timer.unref();
      flushAtExit(due);
    }
  };
  return {
    warn: (fields, message) => {
      log("warn", fields, message);
    },
    error: (fields, message) => {
      log("error", fields, message);
    },
  };
}

function write(sink: LineSink, level: "warn" | "error", line: string): void {
  try {
    sink(level, line);
  } catch {
    // A closed or broken stderr is not the sender's problem.
  }
}

/** One line: prefix, level, the fields as key=value, then the message. Never a newline inside. */
export function formatLine(level: "warn" | "error", fields: Record<string, unknown>, message: string | undefined): string {
  const parts = [LOG_PREFIX, level];
  const { err, payload, ...rest } = fields;
  for (const [key, value] of Object.entries(rest)) parts.push(`${key === "deliveryId" ? "delivery" : key}=${formatValue(value)}`);
  // The long ones last, so the short fields line up from one line to the next.
  if ("err" in fields) parts.push(...formatError(err));
  if ("payload" in fields) parts.push(`payload=${clip(safeJson(payload), MAX_PAYLOAD)}`);
  const line = parts.join(" ");
  return oneLine(message === undefined ? line : `${line} — ${message}`);
}

function formatValue(value: unknown): string {
  if (value === undefined || value === null) return "-";
  const text =
    typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : safeJson(value);
  // Bare where that cannot be misread; quoted and escaped otherwise (no forged lines from a sender's event name).
  return /^[\w.:/@+-]{1,200}$/.test(text) ? text : JSON.stringify(clip(text, MAX_VALUE));
}

function formatError(value: unknown): string[] {
  if (!(value instanceof Error)) return [`err=${formatValue(value)}`];
  const parts = [`err=${JSON.stringify(clip(`${value.name}: ${value.message}`, MAX_VALUE * 2))}`];
  // The first frame says where, in one line; the whole stack would not be one.
  const frame = value.stack
    ?.split("\n")
    .find((line) => line.trimStart().startsWith("at "))
    ?.trim();
  if (frame !== undefined) parts.push(`at=${JSON.stringify(clip(frame.slice(3), MAX_VALUE))}`);
  return parts;
}

function safeJson(value: unknown): string {
  try {
    // undefined for undefined and functions, whatever the type says.
    const json = JSON.stringify(value) as unknown;
    return typeof json === "string" ? json : String(value);
  } catch {
    return String(value);
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…(${text.length - max} more)`;
}

// eslint-disable-next-line no-control-regex -- control characters are what is being escaped
const CONTROL = /[\u0000-\u001f\u007f\u2028\u2029]/g;

function oneLine(text: string): string {
  return text.replace(CONTROL, (char) => JSON.stringify(char).slice(1, -1));
}
