import { errorMessage } from "../inbox/error-message.js";
import { RedisInbox } from "../inbox/redis.js";
import { SqliteInbox } from "../inbox/sqlite.js";
import type { InboxStore } from "../inbox/types.js";

/** An inbox opened for the CLI, and how to let go of it (and of its connection). */
export interface OpenedInbox {
  store: InboxStore;
  close(): Promise<void>;
}

/** Opens the inbox the command line names: a SQLite file or a Redis server. */
export async function openInbox(where: { sqlite: string } | { redis: string; prefix?: string }): Promise<OpenedInbox> {
  if ("sqlite" in where) {
    const store = new SqliteInbox({ path: where.sqlite });
    return { store, close: () => store.close() };
  }
  const { Redis } = await loadIoredis();
  // Fail fast: a CLI should say the server is unreachable, not retry forever.
  const redis = new Redis(where.redis, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  // Without a listener ioredis prints every error itself; we report the last one.
  let lastError: Error | undefined;
  redis.on("error", (error: Error) => (lastError = error));
  try {
    await redis.connect();
  } catch (cause) {
    // Once ended, disconnect() would only start a timer that keeps the process alive.
    if (redis.status !== "end") redis.disconnect();
    const error = lastError ?? cause;
    // eslint-disable-next-line preserve-caught-error -- the last "error" event says why better than connect()'s rejection
    throw new Error(`Cannot connect to Redis at ${redactUrl(where.redis)}: ${errorMessage(error)}`, { cause: error });
  }
  const store = new RedisInbox(redis, { prefix: where.prefix });
  return {
    store,
    close: async () => {
      await redis.quit().catch(() => {
        redis.disconnect();
      });
    },
  };
}

async function loadIoredis(): Promise<{ Redis: typeof import("ioredis").Redis }> {
  try {
    const { Redis } = await import("ioredis");
    return { Redis };
  } catch (cause) {
    throw new Error("--redis needs the optional peer dependency ioredis: npm install ioredis", { cause });
  }
}

/** The URL without its password, for messages. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "the given URL";
  }
}
