import { execFileSync, spawn } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { APPLICATION_ID, SCHEMA_VERSION } from "../../lib/inbox/open-sqlite-inbox.js";
import { SqliteInbox } from "../../lib/inbox/sqlite.js";
import { SCHEMA } from "../../lib/inbox/sqlite-rows.js";
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
    // A new file is made aside (through the same Database) and closed before the inbox opens it.
    opened.splice(0, opened.length, ...opened.filter((db) => db.open));
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

  test("says to install better-sqlite3 only when no copy can be found from the package, the working directory or the script", () => {
    // A copy of the inbox's sources where nothing can see a node_modules: not from
    // the package's location, not from the working directory, not from the script.
    const alone = mkdtempSync(join(tmpdir(), "ewr-no-peer-"));
    try {
      cpSync(join(__dirname, "..", "..", "lib", "inbox"), join(alone, "inbox"), { recursive: true });
      const hook = join(__dirname, "..", "helpers", "ts-require.cjs");
      const program = `
        const { SqliteInbox } = require(${JSON.stringify(join(alone, "inbox", "sqlite.ts"))});
        try { new SqliteInbox({ path: ":memory:" }); console.log("opened"); }
        catch (error) { console.log(error.name + ": " + error.message); }`;
      const out = execFileSync(process.execPath, ["-r", hook, "-e", program], { cwd: alone, encoding: "utf8" });
      expect(out).toMatch(/^TypeError: SqliteInbox needs the optional peer dependency better-sqlite3, and no copy of it was found/);
      expect(out).toContain("npm install better-sqlite3");
      // A copy that is there but cannot load (a native build for another Node) says so itself.
      mkdirSync(join(alone, "node_modules", "better-sqlite3"), { recursive: true });
      writeFileSync(
        join(alone, "node_modules", "better-sqlite3", "index.js"),
        'throw new Error("compiled against a different Node.js version");',
      );
      expect(execFileSync(process.execPath, ["-r", hook, "-e", program], { cwd: alone, encoding: "utf8" })).toBe(
        "Error: compiled against a different Node.js version\n",
      );
      rmSync(join(alone, "node_modules"), { recursive: true });
      // The same sources next to a node_modules holding it (as in an application) find it.
      symlinkSync(join(__dirname, "..", "..", "node_modules"), join(alone, "node_modules"));
      expect(execFileSync(process.execPath, ["-r", hook, "-e", program], { cwd: tmpdir(), encoding: "utf8" })).toBe("opened\n");
    } finally {
      rmSync(alone, { recursive: true, force: true });
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

// Item 8 of issue 12: an inbox file that was truncated, replaced or mistyped must stop
// the start loudly, never be taken for a new, empty inbox (every delivery lost unseen).
describe("a damaged inbox is never an empty inbox", () => {
  const now = Date.now();
  const pragma = (path: string, name: string) => {
    const db = new BetterSqlite3(path, { readonly: true });
    try {
      return db.pragma(name, { simple: true });
    } finally {
      db.close();
    }
  };

  test("a new file is created marked as ours (application_id, user_version), with nothing left beside it", async () => {
    const folder = mkdtempSync(join(dir, "fresh-"));
    const path = join(folder, "webhooks.db");
    const inbox = new SqliteInbox({ path });
    expect(await inbox.add(newRecord(), { leaseMs: 1, now })).toBe(true);
    await inbox.close();
    expect(readdirSync(folder)).toEqual(["webhooks.db"]);
    expect(pragma(path, "application_id")).toBe(APPLICATION_ID);
    expect(pragma(path, "user_version")).toBe(SCHEMA_VERSION);
  });

  test("an inbox truncated to 0 bytes fails at start, naming the path and what to do, and is left as it is", async () => {
    const path = newFile();
    const inbox = new SqliteInbox({ path });
    await inbox.add(newRecord(), { leaseMs: 1, now });
    await inbox.close();
    truncateSync(path, 0);
    expect(() => new SqliteInbox({ path })).toThrow(`${path} exists but is empty (0 bytes), so it is not an inbox`);
    expect(() => new SqliteInbox({ path })).toThrow(/Restore it from a backup; if a new inbox is meant, delete the file/);
    expect(statSync(path).size).toBe(0);
  });

  test("an empty file becomes an inbox only when told to create one", async () => {
    const path = newFile();
    writeFileSync(path, "");
    expect(() => new SqliteInbox({ path, create: false })).toThrow(/is empty \(0 bytes\)/);
    const inbox = new SqliteInbox({ path, create: true });
    expect(await inbox.add(newRecord(), { leaseMs: 1, now })).toBe(true);
    await inbox.close();
    expect(pragma(path, "application_id")).toBe(APPLICATION_ID);
    // Marked now: opened again without being told, it is an inbox.
    const again = new SqliteInbox({ path });
    expect((await again.counts()).pending).toBe(1);
    await again.close();
  });

  test("a file that is not a SQLite database fails at start, naming the path", () => {
    const path = newFile();
    writeFileSync(path, "x".repeat(8192));
    for (const create of [undefined, true, false]) {
      expect(() => new SqliteInbox({ path, create })).toThrow(`${path} is not a readable inbox (file is not a database)`);
    }
    expect(readFileSync(path, "utf8")).toBe("x".repeat(8192));
  });

  test("another application's database is refused, even with create: true, and left untouched", () => {
    const path = newFile();
    const db = new BetterSqlite3(path);
    db.pragma("application_id = 1234");
    db.exec("CREATE TABLE theirs (x)");
    db.close();
    for (const create of [undefined, true, false]) {
      expect(() => new SqliteInbox({ path, create })).toThrow(`${path} belongs to another application (SQLite application_id 0x000004d2)`);
    }
    expect(pragma(path, "journal_mode")).toBe("delete");
  });

  test("an unmarked database without our table is refused unless told to create an inbox in it", async () => {
    const path = newFile();
    const db = new BetterSqlite3(path);
    db.exec("CREATE TABLE users (name TEXT); INSERT INTO users VALUES ('ann')");
    db.close();
    expect(() => new SqliteInbox({ path })).toThrow(`${path} is a SQLite database but not an inbox`);
    const inbox = new SqliteInbox({ path, create: true });
    expect(await inbox.add(newRecord(), { leaseMs: 1, now })).toBe(true);
    await inbox.close();
    const after = new BetterSqlite3(path);
    expect(after.prepare("SELECT name FROM users").all()).toEqual([{ name: "ann" }]);
    after.close();
  });

  test("a marked inbox whose table is gone, or from a newer schema, is refused", () => {
    const gone = newFile();
    void new SqliteInbox({ path: gone }).close();
    const db = new BetterSqlite3(gone);
    db.exec("DROP TABLE ewr_inbox");
    db.close();
    expect(() => new SqliteInbox({ path: gone, create: true })).toThrow(`${gone} is marked as an inbox but its table ewr_inbox is gone`);

    const newer = newFile();
    void new SqliteInbox({ path: newer }).close();
    const future = new BetterSqlite3(newer);
    future.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    future.close();
    expect(() => new SqliteInbox({ path: newer })).toThrow(/written by a newer version of express-webhook-receivers/);
  });

  test("a file made by the previous version (our table, unmarked) keeps its records and is marked", async () => {
    const path = newFile();
    const record = newRecord();
    // What the previous version wrote: the table and index, no marks.
    const old = new BetterSqlite3(path);
    old.pragma("journal_mode = WAL");
    old.exec(SCHEMA);
    old
      .prepare(
        `INSERT INTO ewr_inbox (key, provider, name, delivery_id, known, payload, meta, received_at, status, attempts, next_attempt_at, updated_at)
         VALUES (?, ?, ?, ?, 1, ?, ?, ?, 'failed', 5, ?, ?)`,
      )
      .run(
        record.key,
        record.provider,
        record.name,
        record.deliveryId,
        JSON.stringify(record.payload),
        JSON.stringify(record.meta),
        record.receivedAt,
        now,
        now,
      );
    old.close();
    expect(pragma(path, "application_id")).toBe(0);

    const inbox = new SqliteInbox({ path });
    expect(await inbox.get(record.key)).toMatchObject({ ...record, status: "failed", attempts: 5 });
    await inbox.close();
    expect(pragma(path, "application_id")).toBe(APPLICATION_ID);
    expect(pragma(path, "user_version")).toBe(SCHEMA_VERSION);
  });

  test("create: false never creates a file", () => {
    const path = join(dir, "typo.db");
    expect(() => new SqliteInbox({ path, create: false })).toThrow(`No inbox at ${path}: the file does not exist (nothing was created)`);
    expect(existsSync(path)).toBe(false);
    expect(() => new SqliteInbox({ path: ":memory:", create: 1 as unknown as boolean })).toThrow(/create must be/);
  });

  test("processes starting together on a new path all open the one inbox", async () => {
    const path = join(mkdtempSync(join(dir, "race-")), "webhooks.db");
    const workers = Array.from({ length: 4 }, () => leaseWorker(path, now));
    await Promise.all(workers.map((w) => w.ready));
    workers.forEach((w) => w.go());
    expect(await Promise.all(workers.map((w) => w.keys))).toEqual([[], [], [], []]);
    expect(pragma(path, "application_id")).toBe(APPLICATION_ID);
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
