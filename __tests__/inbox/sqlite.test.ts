import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import { describeInboxContract } from "./contract.js";
import { newRecord } from "./new-record.js";

const dir = mkdtempSync(join(tmpdir(), "ewr-sqlite-inbox-"));
let files = 0;
const newFile = () => join(dir, `inbox-${++files}.sqlite`);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeInboxContract("SqliteInbox", async (options) => {
  const path = newFile();
  return { store: new SqliteInbox({ path, ...options }), twin: new SqliteInbox({ path, ...options }) };
});

describe("SqliteInbox on disk", () => {
  const now = Date.now();

  test("a record survives closing and reopening the file", async () => {
    const path = newFile();
    const record = newRecord();
    const first = new SqliteInbox({ path });
    await first.add(record, { leaseMs: 1000, now });
    await first.close();
    const second = new SqliteInbox({ path, synchronous: "NORMAL" });
    expect(await second.get(record.key)).toMatchObject({ ...record, status: "pending", attempts: 1 });
    expect((await second.leaseDue({ limit: 5, leaseMs: 1000, now: now + 1000 })).map((r) => r.key)).toEqual([record.key]);
    await second.close();
    await second.close(); // closing twice is harmless
  });

  test("uses WAL, synchronous FULL by default and NORMAL when asked, through a given Database", async () => {
    const path = newFile();
    const opened: BetterSqlite3.Database[] = [];
    class Database extends BetterSqlite3 {
      constructor(filename: string, options?: BetterSqlite3.Options) {
        super(filename, options);
        opened.push(this);
      }
    }
    const full = new SqliteInbox({ path, Database });
    const normal = new SqliteInbox({ path, synchronous: "NORMAL", Database });
    expect(opened.map((db) => db.pragma("journal_mode", { simple: true }))).toEqual(["wal", "wal"]);
    // SQLite's codes: 2 is FULL, 1 is NORMAL.
    expect(opened.map((db) => db.pragma("synchronous", { simple: true }))).toEqual([2, 1]);
    await Promise.all([full.close(), normal.close()]);
  });

  test('accepts ":memory:" and refuses bad options with a clear message', async () => {
    const inbox = new SqliteInbox({ path: ":memory:" });
    expect(await inbox.add(newRecord(), { leaseMs: 1, now })).toBe(true);
    await inbox.close();
    expect(() => new SqliteInbox({ path: "" })).toThrow(/path/);
    expect(() => new SqliteInbox({ path: ":memory:", retainMs: 0 })).toThrow(/retainMs/);
    // @ts-expect-error: only FULL and NORMAL are offered
    expect(() => new SqliteInbox({ path: ":memory:", synchronous: "OFF" })).toThrow(/synchronous/);
  });

  test("says to install better-sqlite3 when it cannot be found", () => {
    const [cwd, argv] = [process.cwd(), process.argv];
    // Neither the working directory nor the running script can see node_modules from there.
    process.chdir(tmpdir());
    process.argv = [argv[0]!, join(tmpdir(), "script.js")];
    try {
      expect(() => new SqliteInbox({ path: ":memory:" })).toThrow(TypeError);
      expect(() => new SqliteInbox({ path: ":memory:" })).toThrow(/install better-sqlite3/);
    } finally {
      process.chdir(cwd);
      process.argv = argv;
    }
  });

  test("two processes leasing from one file concurrently never take the same record", async () => {
    const path = newFile();
    const setup = new SqliteInbox({ path });
    const records = Array.from({ length: 300 }, () => newRecord());
    for (const record of records) await setup.add(record, { leaseMs: 1, now });
    await setup.close();

    const workers = [leaseWorker(path, now + 10), leaseWorker(path, now + 10)];
    await Promise.all(workers.map((w) => w.ready));
    workers.forEach((w) => w.go());
    const [a, b] = await Promise.all(workers.map((w) => w.keys));
    expect(a!.length).toBeGreaterThan(0);
    expect(b!.length).toBeGreaterThan(0);
    expect(a!.filter((key) => b!.includes(key))).toEqual([]);
    expect([...a!, ...b!].sort()).toEqual(records.map((r) => r.key).sort());
  }, 30_000);
});

const WORKER = `
  const { SqliteInbox } = require(process.env.INBOX_SOURCE);
  const inbox = new SqliteInbox({ path: process.env.INBOX_PATH });
  process.stdout.write("ready\\n");
  process.stdin.once("data", async () => {
    const keys = [];
    for (;;) {
      const batch = await inbox.leaseDue({ limit: 1, leaseMs: 600000, now: Number(process.env.INBOX_NOW) });
      if (batch.length === 0) break;
      keys.push(...batch.map((r) => r.key));
      await new Promise((resolve) => setTimeout(resolve, 1)); // let the other process in
    }
    await inbox.close();
    process.stdout.write(JSON.stringify(keys) + "\\n");
    process.exit(0);
  });
`;

/** A separate node process leasing one record at a time until none is due; `go()` starts it. */
function leaseWorker(path: string, now: number) {
  const hook = join(__dirname, "..", "helpers", "ts-require.cjs");
  const env = {
    ...process.env,
    INBOX_SOURCE: join(__dirname, "..", "..", "lib", "inbox", "sqlite.ts"),
    INBOX_PATH: path,
    INBOX_NOW: String(now),
  };
  const child = spawn(process.execPath, ["-r", hook, "-e", WORKER], { env, stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    child.once("exit", (code) => {
      reject(new Error(`lease worker exited with ${code} before it was ready`));
    });
  });
  child.stdout.on("data", (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith("ready\n")) onReady();
  });
  const keys = new Promise<string[]>((resolve, reject) => {
    child.once("exit", (code) => {
      if (code !== 0) {
        reject(new Error(`lease worker exited with ${code}`));
        return;
      }
      resolve(JSON.parse(out.slice("ready\n".length)) as string[]);
    });
  });
  return { ready, keys, go: () => child.stdin.end("go\n") };
}
