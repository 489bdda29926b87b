import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { runCli } from "../../lib/cli/run-cli.js";
import { PostgresInbox } from "../../lib/inbox/postgres.js";
import { RedisInbox } from "../../lib/inbox/redis.js";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import type { InboxRecord, InboxStore } from "../../lib/inbox/types.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.js";
import { newRecord } from "../inbox/new-record.js";

/** Runs the CLI in this process and captures what it writes. */
async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(argv, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), "ewr-cli-"));
let server: RedisServer;
let redis: Redis;
let postgres: PostgresServer;
let pool: pg.Pool;
beforeAll(async () => {
  [server, postgres] = await Promise.all([startRedisServer(), startPostgresServer()]);
  redis = new Redis(server.url);
  pool = new pg.Pool({ connectionString: postgres.url });
}, 60_000);
afterAll(async () => {
  await redis.quit();
  await pool.end();
  await Promise.all([server.stop(), postgres.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

let files = 0;
type Backend = { store: InboxStore; flags: string[] };
const backends: [string, () => Backend | Promise<Backend>][] = [
  [
    "SQLite",
    () => {
      const path = join(dir, `cli-${++files}.sqlite`);
      return { store: new SqliteInbox({ path }), flags: ["--sqlite", path] };
    },
  ],
  [
    "Redis",
    () => {
      const prefix = `{cli-${++files}}`;
      return { store: new RedisInbox(redis, { prefix }), flags: ["--redis", server.url, "--prefix", prefix] };
    },
  ],
  [
    "PostgreSQL",
    async () => {
      const table = `cli_schema.inbox_${++files}`;
      const store = new PostgresInbox({ pool, table });
      await store.createSchema();
      return { store, flags: ["--postgres", postgres.url, "--table", table] };
    },
  ],
];

describe.each(backends)("inbox CLI against %s", (_, open) => {
  let store: InboxStore;
  let flags: string[];
  let pending: InboxRecord;
  let failed: InboxRecord;
  let done: InboxRecord;
  const now = Date.now();

  beforeEach(async () => {
    ({ store, flags } = await open());
    const records = [newRecord(), newRecord({ provider: "oksky", name: "Message.create" }), newRecord()];
    for (const record of records) await store.add(record, { leaseMs: 60_000, now });
    await store.fail(records[1]!.key, { error: "listener threw: boom", retryAt: undefined, now: now - 86_400_000 });
    await store.complete(records[2]!.key, { now });
    const load = async (record: { key: string } | undefined) => (await store.get(record!.key))!;
    [pending, failed, done] = [await load(records[0]), await load(records[1]), await load(records[2])];
  });
  afterEach(() => store.close());

  test("list prints a table newest first, with counts", async () => {
    const { code, stdout } = await cli("inbox", "list", ...flags);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^KEY +PROVIDER +EVENT +STATUS +TRIES +RECEIVED +LAST ERROR$/);
    expect(lines.slice(1, 4).map((line) => line.split(/ +/)[0])).toEqual([done.key, failed.key, pending.key]);
    expect(lines[2]).toContain("listener threw: boom");
    expect(lines[4]).toBe("pending 1, failed 1, done 1");
  });

  test("list --json filters by status, provider and limit", async () => {
    const failedOnly = await cli("inbox", "list", ...flags, "--status", "failed", "--json");
    expect(JSON.parse(failedOnly.stdout)).toEqual([failed]);
    const oksky = await cli("inbox", "list", ...flags, "--provider", "oksky", "--json");
    expect((JSON.parse(oksky.stdout) as InboxRecord[]).map((r) => r.key)).toEqual([failed.key]);
    const limited = await cli("inbox", "list", ...flags, "--limit", "1", "--json");
    expect((JSON.parse(limited.stdout) as InboxRecord[]).map((r) => r.key)).toEqual([done.key]);
  });

  test("show prints one record with its payload; a missing key exits 1", async () => {
    const { code, stdout } = await cli("inbox", "show", failed.key, ...flags);
    expect(code).toBe(0);
    expect(stdout).toContain(`key:          ${failed.key}`);
    expect(stdout).toContain("status:       failed");
    expect(stdout).toContain('"text": "héllo');
    expect(JSON.parse((await cli("inbox", "show", done.key, ...flags, "--json")).stdout)).toEqual(done);
    const missing = await cli("inbox", "show", "misskey:absent", ...flags);
    expect(missing).toEqual({ code: 1, stdout: "", stderr: "No record with key misskey:absent.\n" });
  });

  test("replay requeues the keys given; an unknown key exits 1", async () => {
    const { code, stdout } = await cli("inbox", "replay", failed.key, done.key, ...flags);
    expect(code).toBe(0);
    expect(stdout).toBe(`Requeued 2: ${failed.key}, ${done.key}\n`);
    expect(await store.get(failed.key)).toMatchObject({ status: "pending", attempts: 0 });
    expect(await store.get(done.key)).toMatchObject({ status: "pending" });
    const partly = await cli("inbox", "replay", pending.key, "misskey:absent", ...flags, "--json");
    expect(partly.code).toBe(1);
    expect(JSON.parse(partly.stdout)).toEqual({ requeued: [pending.key], missing: ["misskey:absent"] });
    expect(partly.stderr).toBe("Not found: misskey:absent\n");
  });

  test("replay --failed requeues every failed record, of one provider if asked", async () => {
    expect((await cli("inbox", "replay", "--failed", "--provider", "misskey", ...flags)).stdout).toBe("Nothing to replay.\n");
    const { code, stdout } = await cli("inbox", "replay", "--failed", ...flags, "--json");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ requeued: [failed.key], missing: [] });
    const [leased] = await store.leaseDue({ limit: 5, leaseMs: 1000, now: Date.now() + 1000 });
    expect(leased?.key).toBe(failed.key);
  });

  test("purge deletes done and failed records, never pending ones, filtered by status and time", async () => {
    const yesterday = new Date(now - 3_600_000).toISOString();
    expect((await cli("inbox", "purge", ...flags, "--status", "failed", "--before", yesterday)).stdout).toBe("Purged 1 record.\n");
    expect(await store.get(failed.key)).toBeUndefined();
    expect(await cli("inbox", "purge", ...flags, "--status", "done", "--before", yesterday, "--json")).toMatchObject({
      code: 0,
      stdout: '{"purged":0}\n',
    });
    expect((await cli("inbox", "purge", ...flags)).stdout).toBe("Purged 1 record.\n");
    expect(await store.counts()).toEqual({ pending: 1, failed: 0, done: 0 });
  });
});

describe("inbox CLI usage", () => {
  const sqlite = ["--sqlite", join(dir, "usage.sqlite")];

  test.each([
    [[], "Expected `inbox <command>`."],
    [["inbox"], "Expected `inbox <command>`."],
    [["inbox", "dance", ...sqlite], "Unknown command `dance`."],
    [["inbox", "list"], "Give one of --sqlite <path>, --redis <url> or --postgres <url>."],
    [["inbox", "list", ...sqlite, "--redis", "redis://127.0.0.1:1"], "Give one of --sqlite <path>, --redis <url> or --postgres <url>."],
    [
      ["inbox", "list", ...sqlite, "--postgres", "postgres://127.0.0.1:1/x"],
      "Give one of --sqlite <path>, --redis <url> or --postgres <url>.",
    ],
    [["inbox", "list", ...sqlite, "--table", "inbox"], "--table goes with --postgres <url>."],
    [["inbox", "list", ...sqlite, "--limit", "0"], "--limit must be a positive integer, got 0."],
    [["inbox", "list", ...sqlite, "--status", "lost"], "--status must be one of pending, done, failed, got lost."],
    [["inbox", "list", "key", ...sqlite], "`list` takes no keys."],
    [["inbox", "show", ...sqlite], "`show` takes exactly one key."],
    [["inbox", "replay", ...sqlite], "`replay` takes either keys or --failed."],
    [["inbox", "replay", "k", "--failed", ...sqlite], "`replay` takes either keys or --failed."],
    [["inbox", "purge", ...sqlite, "--status", "pending"], "--status must be one of done, failed, got pending."],
    [["inbox", "purge", ...sqlite, "--before", "yesterday"], "--before must be an ISO 8601 time, got yesterday."],
  ])("%j exits 2", async (argv, message) => {
    expect(await cli(...argv)).toEqual({ code: 2, stdout: "", stderr: `${message}\nRun with --help for usage.\n` });
  });

  test("an unknown option exits 2", async () => {
    const { code, stderr } = await cli("inbox", "list", ...sqlite, "--colour");
    expect(code).toBe(2);
    expect(stderr).toContain("--colour");
  });

  test("--help prints usage and exits 0", async () => {
    const { code, stdout } = await cli("--help");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: express-webhook-receivers inbox <command>/);
  });

  // Issue 13 item 7: a mistyped path used to be created, empty, and listed as "No records.".
  test.each([["list"], ["show", "misskey:1"], ["replay", "misskey:1"], ["replay", "--failed"], ["purge"]])(
    "%s on a path with no inbox exits 1 with a clear message and creates nothing",
    async (...command) => {
      const path = join(dir, "typo.db");
      const { code, stdout, stderr } = await cli("inbox", ...command, "--sqlite", path);
      expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
      expect(stderr).toBe(
        `Error: No inbox at ${path}: the file does not exist (nothing was created). ` +
          "Check the path: it is the `path` the receiver's SqliteInbox was given.\n",
      );
      expect(existsSync(path)).toBe(false);
    },
  );

  test("an empty (truncated) inbox file exits 1 and is left as it is", async () => {
    const path = join(dir, "truncated.db");
    writeFileSync(path, "");
    const { code, stderr } = await cli("inbox", "list", "--sqlite", path);
    expect(code).toBe(1);
    expect(stderr).toContain(`Error: ${path} exists but is empty (0 bytes), so it is not an inbox`);
    expect(statSync(path).size).toBe(0);
  });

  // Issue 13 item 7: a CLI that cannot see ioredis from where it is installed finds the
  // application's copy from the working directory; "install it" only when there is none.
  test("--redis finds ioredis from the working directory when the package cannot see it", () => {
    const root = join(__dirname, "..", "..");
    const alone = mkdtempSync(join(tmpdir(), "ewr-cli-alone-"));
    try {
      for (const part of ["cli", "inbox", "stores"]) cpSync(join(root, "lib", part), join(alone, "lib", part), { recursive: true });
      const app = join(alone, "app");
      mkdirSync(app);
      const runCliAt = join(alone, "lib", "cli", "run-cli.ts");
      const program = `require(${JSON.stringify(runCliAt)}).runCli(["inbox", "list", "--redis", ${JSON.stringify(server.url)}, "--json"]).then((code) => { process.exitCode = code; });`;
      const hook = join(__dirname, "..", "helpers", "ts-require.cjs");
      const run = () => spawnSync(process.execPath, ["-r", hook, "-e", program], { cwd: app, encoding: "utf8", timeout: 30_000 });
      const absent = run();
      expect(absent.status).toBe(1);
      expect(absent.stderr).toContain("--redis needs the optional peer dependency ioredis, and no copy of it was found");
      symlinkSync(join(root, "node_modules"), join(app, "node_modules"));
      const found = run();
      expect({ status: found.status, stdout: found.stdout, stderr: found.stderr }).toEqual({ status: 0, stdout: "[]\n", stderr: "" });
    } finally {
      rmSync(alone, { recursive: true, force: true });
    }
  });

  test("an unreachable Redis exits 1 with a message, without the password", async () => {
    const { code, stderr } = await cli("inbox", "list", "--redis", "redis://:hunter2@127.0.0.1:1");
    expect(code).toBe(1);
    expect(stderr).toContain("Cannot connect to Redis at redis://:***@127.0.0.1:1: connect ECONNREFUSED");
    expect(stderr).not.toContain("hunter2");
  });
});

describe("inbox CLI against PostgreSQL: what it never does", () => {
  const exists = async (table: string) =>
    (await pool.query<{ present: boolean }>("SELECT to_regclass($1) IS NOT NULL AS present", [table])).rows[0]!.present;

  test.each([["list"], ["show", "misskey:1"], ["replay", "--failed"], ["purge"]])(
    "%s with no inbox table exits 1 naming the table and the URL (without its password), and creates nothing",
    async (...command) => {
      const url = postgres.url.replace("postgres@", "postgres:hunter2@");
      const { code, stdout, stderr } = await cli("inbox", ...command, "--postgres", url, "--table", "app.missing_inbox");
      expect({ code, stdout }).toEqual({ code: 1, stdout: "" });
      expect(stderr).toBe(
        `Error: No inbox table app.missing_inbox at ${postgres.url.replace("postgres@", "postgres:***@")} (nothing was created). ` +
          "Check --table and the database in the URL.\n",
      );
      expect(stderr).not.toContain("hunter2");
      expect(await exists("app.missing_inbox")).toBe(false);
      expect((await cli("inbox", "list", "--postgres", postgres.url)).stderr).toContain("No inbox table ewr_inbox at");
      expect(await exists("ewr_inbox")).toBe(false);
    },
  );

  test("an unreachable server exits 1 with a message, without the password", async () => {
    const { code, stderr } = await cli("inbox", "list", "--postgres", "postgres://app:hunter2@127.0.0.1:1/db?password=hunter2");
    expect(code).toBe(1);
    expect(stderr).toContain("Cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:1/db?password=***: connect ECONNREFUSED");
    expect(stderr).not.toContain("hunter2");
  });

  test("a bad --table exits 1 with the reason", async () => {
    const { code, stderr } = await cli("inbox", "list", "--postgres", postgres.url, "--table", "x; drop table y");
    expect(code).toBe(1);
    expect(stderr).toContain('table "x; drop table y" is not a table name');
  });
});
