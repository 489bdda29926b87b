import { spawn, type ChildProcess } from "node:child_process";
import { request } from "node:http";
import { join } from "node:path";
import type { Delivery } from "../../lib/testing/delivery.js";

const root = join(__dirname, "..", "..");
const tsRequire = join(root, "__tests__", "helpers", "ts-require.cjs");

/** A TypeScript file run in a `node` process of its own, ready once it printed `ready`. */
export interface Child {
  process: ChildProcess;
  /** The first line that matched `ready`. */
  line: string;
  exited: Promise<number | null>;
}

/** Starts `script` (under __tests__/helpers) with `env`, resolving once its stdout matches `ready`. */
export function spawnTs(script: string, env: Record<string, string>, ready: RegExp, timeoutMs = 30_000): Promise<Child> {
  const child = spawn(process.execPath, ["-r", tsRequire, "-e", `require(${JSON.stringify(join(root, "__tests__", "helpers", script))})`], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} was not ready within ${timeoutMs} ms; it printed: ${out}`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ process: child, line: match[0], exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited early (${code}); it printed: ${out}`));
    });
  });
}

/** POSTs a delivery to 127.0.0.1:port; a refused or reset connection resolves status 0. */
export function post(port: number, d: Delivery, path = "/hooks/misskey"): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = request({ port, host: "127.0.0.1", path, method: "POST", headers: d.headers }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on("error", () => {
        resolve({ status: 0, body: "" });
      });
    });
    req.on("error", () => {
      resolve({ status: 0, body: "" });
    });
    req.end(d.body);
  });
}

export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
