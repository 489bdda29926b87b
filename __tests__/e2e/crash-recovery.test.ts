import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { misskeyDelivery } from "../../lib/testing/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";

// Real processes, killed and stopped for real: what the inbox promises across a crash.
const root = join(__dirname, "..", "..");
const script = join(root, "__tests__", "helpers", "inbox-server.ts");
const tsRequire = join(root, "__tests__", "helpers", "ts-require.cjs");
let dir: string;
let children: ChildProcess[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ewr-crash-"));
});
afterEach(() => {
  for (const child of children) child.kill("SIGKILL");
  children = [];
  rmSync(dir, { recursive: true, force: true });
});

function start(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["-r", tsRequire, "-e", `require(${JSON.stringify(script)})`], {
    cwd: root,
    env: { ...process.env, LOG: join(dir, "log"), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.once("exit", (code) => {
      reject(new Error(`server exited early (${code})`));
    });
  });
}

function post(port: number, d: Delivery): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: "127.0.0.1", path: "/hooks/misskey", method: "POST", headers: d.headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on("error", reject);
    req.end(d.body);
  });
}

const logLines = (): string[] => (existsSync(join(dir, "log")) ? readFileSync(join(dir, "log"), "utf8").trim().split("\n") : []);

async function until(check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out; log: ${logLines().join(" | ")}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const exited = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => child.once("exit", resolve));

test("killed mid-dispatch: after a restart the event is processed once, and the resend is a duplicate", async () => {
  const db = join(dir, "inbox.db");
  const d = misskeyDelivery("note", { secret: "s3cret" });
  const first = await start({ DB: db, MODE: "hang", LEASE_MS: "300" });
  const answer = post(first.port, d).catch((error: unknown) => error);
  await until(() => logLines().includes(`start ${d.payload.eventId}`));
  first.child.kill("SIGKILL");
  expect(String(await answer)).toMatch(/socket hang up|ECONNRESET/); // never acknowledged: Misskey would resend

  const second = await start({ DB: db, MODE: "ok" });
  await until(() => logLines().includes(`done ${d.payload.eventId}`));
  const resend = await post(second.port, d);
  expect(JSON.parse(resend.body)).toEqual({ ok: true, duplicate: true });
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(logLines().filter((line) => line.startsWith("done"))).toEqual([`done ${d.payload.eventId}`]);
}, 30_000);

test("SIGTERM after an immediate acknowledgement: the listener finishes before the process exits", async () => {
  const { child, port } = await start({ ACK: "immediate", WORK_MS: "300" });
  const d = misskeyDelivery("note", { secret: "s3cret" });
  expect((await post(port, d)).status).toBe(200);
  expect(logLines()).not.toContain(`done ${d.payload.eventId}`);
  child.kill("SIGTERM");
  expect(await exited(child)).toBe(0);
  expect(logLines()).toEqual([`start ${d.payload.eventId}`, `done ${d.payload.eventId}`]);
}, 30_000);

test("the on-disk inbox survives a restart: a delivery whose listener failed is finished by the next process", async () => {
  const db = join(dir, "inbox.db");
  const d = misskeyDelivery("note", { secret: "s3cret" });
  const failing = await start({ DB: db, MODE: "fail" });
  expect((await post(failing.port, d)).status).toBe(200); // stored: the receiver owns it now
  await until(() => logLines().length >= 2);
  failing.child.kill("SIGTERM");
  expect(await exited(failing.child)).toBe(0);
  expect(logLines()).not.toContain(`done ${d.payload.eventId}`);

  await start({ DB: db, MODE: "ok" });
  await until(() => logLines().includes(`done ${d.payload.eventId}`));
  expect(logLines().filter((line) => line.startsWith("done"))).toHaveLength(1);
}, 30_000);
