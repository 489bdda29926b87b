// Starting benchmark servers as their own processes, pinned to their own core, and
// making sure none outlives the run: every child is killed on exit, error or signal.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

const SERVE = fileURLToPath(new URL("../servers/serve.mjs", import.meta.url));
const live = new Set();

function hasTaskset() {
  try {
    execFileSync("taskset", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const cpus = availableParallelism();
/** Server on the last core, load generator (this process) on the first, when there are two. */
export const pinning = cpus >= 2 && hasTaskset() ? { server: String(cpus - 1), client: "0" } : undefined;

/** Pins this process (all its threads: autocannon runs here) to the load generator's core. */
export function pinSelf() {
  if (!pinning) return false;
  execFileSync("taskset", ["-a", "-cp", pinning.client, String(process.pid)], { stdio: "ignore" });
  return true;
}

function killAll(signal = "SIGKILL") {
  for (const child of live) {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
  live.clear();
}

let guarded = false;
/** Kills every server still running when this process exits, however it exits. */
export function guardChildren() {
  if (guarded) return;
  guarded = true;
  process.on("exit", () => killAll());
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  process.on("uncaughtException", (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
  process.on("unhandledRejection", (error) => {
    console.error(error);
    killAll();
    process.exit(1);
  });
}

/** Reads a process's memory and CPU time from /proc (Linux). */
export function procStats(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    // utime and stime are fields 14 and 15, after the parenthesised command name.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM"), cpuTicks: ticks };
  } catch {
    return { rssKb: NaN, hwmKb: NaN, cpuTicks: NaN };
  }
}

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on Linux). */
export const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Starts `servers/<kind>.mjs` in its own Node process (pinned when possible) and
 * resolves once it listens on 127.0.0.1. `serve` may name another copy of
 * servers/serve.mjs, e.g. in a scratch copy of the package with a hot-path change, to
 * compare both builds in one run.
 */
export async function startServer(kind, config, { nodeArgs = [], cwd, serve = SERVE } = {}) {
  guardChildren();
  const node = [...nodeArgs, serve];
  const [command, args] = pinning ? ["taskset", ["-c", pinning.server, process.execPath, ...node]] : [process.execPath, node];
  const child = spawn(command, args, {
    cwd,
    // taskset execs node in place, so the pid and the IPC channel are node's own.
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, BENCH_SERVER: kind, BENCH_CONFIG: JSON.stringify(config) },
  });
  live.add(child);
  child.on("exit", () => live.delete(child));

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${kind} did not start within 20 s`)), 20_000);
    const fail = (error) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      child.kill("SIGKILL");
      reject(error);
    };
    const onMessage = (message) => {
      if (message?.type !== "ready") return;
      clearTimeout(timer);
      child.off("exit", onExit);
      child.off("message", onMessage);
      resolve(message.port);
    };
    const onExit = (code) => fail(new Error(`${kind} exited (${code}) before listening`));
    child.on("message", onMessage);
    child.once("exit", onExit);
  });

  return {
    kind,
    port,
    pid: child.pid,
    url: `http://127.0.0.1:${port}`,
    /** Counters and memory as the server sees them (events dispatched, errors reported); `ask` goes to the server module's own report. */
    stats: (ask = {}) => request(child, { ...ask, type: "stats" }, "stats"),
    reset: () => child.connected && child.send({ type: "reset" }),
    proc: () => procStats(child.pid),
    /**
     * Freezes the server (SIGSTOP) while another one is measured: an idle Node process
     * still runs GC work on its core after its load ends (V8's memory reducer), and with
     * every server on one core that landed inside other servers' measurements.
     */
    pause: () => signal(child, "SIGSTOP"),
    resume: () => signal(child, "SIGCONT"),
    /** Asks for a clean exit (so --cpu-prof writes its profile); kills after `graceMs`. */
    stop: (graceMs = 5000) =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.send({ type: "exit" });
        else child.kill("SIGKILL");
      }),
  };
}

function signal(child, name) {
  try {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, name);
  } catch {
    // Already gone.
  }
}

function request(child, message, type, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    if (!child.connected) return reject(new Error("server is gone"));
    const timer = setTimeout(() => {
      child.off("message", onMessage);
      reject(new Error(`no ${type} answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (reply) => {
      if (reply?.type !== type) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(reply);
    };
    child.on("message", onMessage);
    child.send(message);
  });
}
