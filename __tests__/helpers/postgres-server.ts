import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import pg from "pg";

/** A real PostgreSQL server of our own, on a free loopback port. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth: no password). */
  url: string;
  port: number;
  /** Stops the server for good and removes its directory. */
  stop(): Promise<void>;
  /** Takes the server down with SIGKILL (the postmaster and its backends: a crash), keeping its data. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data (after crash recovery, if it was killed). */
  restart(): Promise<void>;
  /** Creates a database and resolves its URL. */
  createDatabase(name: string): Promise<string>;
}

const POSTGRES_ROOT = "/usr/lib/postgresql";

/**
 * Starts Debian's PostgreSQL (the highest version under /usr/lib/postgresql) in a
 * temporary directory on a free 127.0.0.1 port, with trust auth, and resolves once
 * `SELECT 1` answers. Never skips: without the binaries the tests fail loudly.
 *
 * Runs as `postgres` (through `runuser`) when we are root: PostgreSQL refuses root.
 *
 * `fsync=off` unless asked, for speed on a shared test machine. A SIGKILL of the server (what
 * `kill()` does) still keeps every committed transaction: the WAL is written to the
 * kernel before COMMIT returns, and the kernel's page cache outlives the process.
 * fsync only matters when the operating system or the machine goes down.
 */
export async function startPostgresServer({ fsync = false }: { fsync?: boolean } = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ewr-pg-"));
  const data = join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chownSync(dir, postgresId("u"), postgresId("g"));
  const run = (tool: string, args: string[]) =>
    asRoot ? command("runuser", ["-u", "postgres", "--", join(bin, tool), ...args]) : command(join(bin, tool), args);
  const settings = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=${fsync ? "on" : "off"} -c max_connections=200`;
  const start = async (): Promise<void> => {
    await run("pg_ctl", ["start", "-w", "-t", "30", "-D", data, "-l", join(dir, "log"), "-o", settings]).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${readLog(join(dir, "log"))}`);
    });
    await waitForSelect(url);
  };
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const stop = async (): Promise<void> => {
    if (existsSync(join(data, "postmaster.pid"))) await run("pg_ctl", ["stop", "-m", "immediate", "-w", "-D", data]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"]);
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  const kill = async (): Promise<void> => {
    const pid = postmasterPid(data);
    if (pid === undefined) return;
    const pids = [pid, ...childrenOf(pid)];
    for (const each of pids) signal(each, "SIGKILL");
    await until(() => pids.every((each) => !alive(each)), "the killed PostgreSQL processes to exit");
  };
  return {
    url,
    port,
    stop,
    kill,
    restart: async () => {
      if (postmasterPid(data) !== undefined && alive(postmasterPid(data)!)) await kill();
      await start();
    },
    createDatabase: async (name) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${quote(name)}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${encodeURIComponent(name)}`);
    },
  };
}

function readLog(file: string): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-20).join("\n");
  } catch {
    return "(no log)";
  }
}

function postgresBin(): string {
  const versions = existsSync(POSTGRES_ROOT)
    ? readdirSync(POSTGRES_ROOT)
        .filter((name) => /^\d+$/.test(name) && existsSync(join(POSTGRES_ROOT, name, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0] === undefined) {
    throw new Error(
      `No PostgreSQL under ${POSTGRES_ROOT}/*/bin: these tests need a real PostgreSQL. ` +
        "Install it with `apt-get install -y postgresql` (.ci/run does).",
    );
  }
  return join(POSTGRES_ROOT, versions[0], "bin");
}

function postgresId(which: "u" | "g"): number {
  const line = readFileSync(which === "u" ? "/etc/passwd" : "/etc/group", "utf8")
    .split("\n")
    .find((entry) => entry.startsWith("postgres:"));
  const id = Number(line?.split(":")[2]);
  if (!Number.isInteger(id)) throw new Error("No `postgres` user: `apt-get install -y postgresql` creates it.");
  return id;
}

function command(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: "utf8", timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} ${args.join(" ")} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(stdout);
    });
  });
}

function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone already.
  }
}

/**
 * Still there, zombies included: PostgreSQL takes a PID that answers `kill(pid, 0)` for a
 * running postmaster and refuses to start, so we wait until init has reaped it.
 */
function alive(pid: number): boolean {
  return existsSync(`/proc/${pid}`);
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`Timed out waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function waitForSelect(url: string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    client.on("error", () => undefined);
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      if (Date.now() > end) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}
