import { parseArgs } from "node:util";
import { errorMessage } from "../inbox/error-message.js";
import { listInbox } from "../inbox/list-inbox.js";
import { purgeInbox } from "../inbox/purge-inbox.js";
import { replayInbox } from "../inbox/replay-inbox.js";
import { showInbox } from "../inbox/show-inbox.js";
import type { InboxStatus, InboxStore } from "../inbox/types.js";
import { formatCounts, formatRecord, formatTable } from "./format-records.js";
import { openInbox, type InboxLocation } from "./open-inbox.js";
import { USAGE, UsageError } from "./usage.js";

/** Where the CLI writes; the process's streams by default, a buffer in tests. */
export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

const OPTIONS = {
  sqlite: { type: "string" },
  redis: { type: "string" },
  prefix: { type: "string" },
  postgres: { type: "string" },
  table: { type: "string" },
  provider: { type: "string" },
  status: { type: "string" },
  before: { type: "string" },
  limit: { type: "string" },
  failed: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>["values"];

/**
 * Runs `express-webhook-receivers <argv...>` and resolves its exit code: 0 done,
 * 1 failed (no inbox at the path, a record not found, the store unreachable), 2 usage error.
 *
 * @example
 * process.exitCode = await runCli(["inbox", "list", "--sqlite", "inbox.sqlite"]);
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return usageError(io, errorMessage(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [group, command, ...keys] = positionals;
  if (group !== "inbox" || command === undefined) return usageError(io, "Expected `inbox <command>`.");
  let inbox;
  try {
    const run = commandFor(command, keys, values);
    inbox = await openInbox(storeLocation(values));
    return await run(inbox.store, io, Boolean(values.json));
  } catch (error) {
    if (error instanceof UsageError) return usageError(io, error.message);
    io.stderr(`Error: ${errorMessage(error)}\n`);
    return 1;
  } finally {
    await inbox?.close();
  }
}

type Run = (store: InboxStore, io: CliIo, json: boolean) => Promise<number>;

/** Checks a command's arguments before anything is opened, and returns what runs it. */
function commandFor(command: string, keys: string[], values: Values): Run {
  const filter = { provider: values.provider };
  switch (command) {
    case "list": {
      noKeys(command, keys);
      const limit = values.limit === undefined ? undefined : positiveInteger(values.limit);
      const status = values.status === undefined ? undefined : statusOf(values.status, ["pending", "done", "failed"]);
      return async (store, io, json) => {
        const records = await listInbox(store, { ...filter, status, limit });
        io.stdout(json ? `${JSON.stringify(records)}\n` : formatTable(records) + formatCounts(await store.counts()));
        return 0;
      };
    }
    case "show": {
      const [key] = keys;
      if (keys.length !== 1 || key === undefined) throw new UsageError("`show` takes exactly one key.");
      return async (store, io, json) => {
        const record = await showInbox(store, key);
        if (record === undefined) {
          io.stderr(`No record with key ${key}.\n`);
          return 1;
        }
        io.stdout(json ? `${JSON.stringify(record)}\n` : formatRecord(record));
        return 0;
      };
    }
    case "replay": {
      if (Boolean(values.failed) === keys.length > 0) throw new UsageError("`replay` takes either keys or --failed.");
      const target = values.failed ? { failed: true as const, provider: values.provider } : { keys };
      return async (store, io, json) => {
        const result = await replayInbox(store, target);
        if (json) io.stdout(`${JSON.stringify(result)}\n`);
        else
          io.stdout(
            result.requeued.length === 0 ? "Nothing to replay.\n" : `Requeued ${result.requeued.length}: ${result.requeued.join(", ")}\n`,
          );
        if (result.missing.length > 0) io.stderr(`Not found: ${result.missing.join(", ")}\n`);
        return result.missing.length > 0 ? 1 : 0;
      };
    }
    case "purge": {
      noKeys(command, keys);
      const status = values.status === undefined ? undefined : statusOf(values.status, ["done", "failed"]);
      const before = values.before === undefined ? undefined : timeOf(values.before);
      return async (store, io, json) => {
        const purged = await purgeInbox(store, { ...filter, status, before });
        io.stdout(json ? `${JSON.stringify({ purged })}\n` : `Purged ${purged} record${purged === 1 ? "" : "s"}.\n`);
        return 0;
      };
    }
    default:
      throw new UsageError(`Unknown command \`${command}\`.`);
  }
}

function storeLocation(values: Values): InboxLocation {
  const { sqlite, redis, postgres, prefix, table } = values;
  if (table !== undefined && postgres === undefined) throw new UsageError("--table goes with --postgres <url>.");
  if (sqlite !== undefined && redis === undefined && postgres === undefined) return { sqlite };
  if (redis !== undefined && sqlite === undefined && postgres === undefined) return { redis, prefix };
  if (postgres !== undefined && sqlite === undefined && redis === undefined) return { postgres, table };
  throw new UsageError("Give one of --sqlite <path>, --redis <url> or --postgres <url>.");
}

function noKeys(command: string, keys: string[]): void {
  if (keys.length > 0) throw new UsageError(`\`${command}\` takes no keys.`);
}

function positiveInteger(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`--limit must be a positive integer, got ${text}.`);
  return n;
}

function statusOf(text: string, allowed: readonly InboxStatus[]): InboxStatus {
  const status = allowed.find((s) => s === text);
  if (status === undefined) throw new UsageError(`--status must be one of ${allowed.join(", ")}, got ${text}.`);
  return status;
}

function timeOf(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--before must be an ISO 8601 time, got ${text}.`);
  return ms;
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`${message}\nRun with --help for usage.\n`);
  return 2;
}
