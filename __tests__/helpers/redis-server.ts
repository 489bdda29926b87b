import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";

const REDIS_SERVER = "/usr/bin/redis-server";

/** A real redis-server of our own, on a free loopback port. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server for good and removes its directory. */
  stop(): Promise<void>;
  /** Takes the server down (SIGKILL: a crash, no goodbye to clients), keeping its directory. */
  kill(): Promise<void>;
  /** Starts a new redis-server on the same port and directory (killing a running one first). */
  restart(): Promise<void>;
  /** Stalls the server (SIGSTOP): connections stay open, nothing is answered. */
  pause(): Promise<void>;
  /** Lets a paused server go on (SIGCONT). */
  resume(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Keep data across kill() and restart(): `appendonly yes` with `appendfsync always`,
   * so every acknowledged write is on disk before its reply. @default false
   */
  persistent?: boolean;
}

/**
 * Starts Debian's redis-server on a free 127.0.0.1 port, without persistence, in a
 * temporary directory, and resolves once it answers PING. Never skips: without the
 * server the tests fail loudly (CI installs it with apt).
 */
export async function startRedisServer({ persistent = false }: RedisServerOptions = {}): Promise<RedisServer> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: these tests need a real Redis. Install it with \`apt-get install -y redis-server\` (.ci/run does).`,
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "ewr-redis-"));
  const durability = persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...durability, "--dir", dir];
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const started = spawn(REDIS_SERVER, args, { stdio: ["ignore", "pipe", "pipe"] });
    child = started;
    let output = "";
    started.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    started.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await waitForPong(port, started, () => output);
  };
  const stop = async () => {
    if (child) await kill(child, "SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop,
    kill: async () => {
      if (child) await kill(child, "SIGKILL");
    },
    restart: async () => {
      if (child) await kill(child, "SIGKILL");
      await start();
    },
    pause: async () => {
      child?.kill("SIGSTOP");
    },
    resume: async () => {
      child?.kill("SIGCONT");
    },
  };
}

async function waitForPong(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${output()}`);
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server did not answer PING on port ${port} within 10 s:\n${output()}`);
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => {
      done(false);
    });
    socket.once("error", () => {
      done(false);
    });
    socket.once("data", (data) => {
      done(data.toString().startsWith("+PONG"));
    });
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => {
      resolve();
    });
    child.kill(signal);
  });
}
