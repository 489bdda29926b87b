import { errorMessage } from "../inbox/error-message.js";
import { RedisInbox } from "../inbox/redis.js";
import { requirePeer } from "../inbox/require-peer.js";
import { SqliteInbox } from "../inbox/sqlite.js";
import type { InboxStore } from "../inbox/types.js";
import { openPostgresInbox } from "./open-postgres-inbox.js";
import { redactUrl } from "./redact-url.js";

/** An inbox opened for the CLI, and how to let go of it (and of its connection). */
export interface OpenedInbox {
  store: InboxStore;
  close(): Promise<void>;
}

/** Where the command line says the inbox is. */
export type InboxLocation = { sqlite: string } | { redis: string; prefix?: string } | { postgres: string; table?: string };

/** Opens the inbox the command line names: a SQLite file, a Redis server or a PostgreSQL table. */
export async function openInbox(where: InboxLocation): Promise<OpenedInbox> {
  if ("postgres" in where) return openPostgresInbox(where.postgres, where.table);
  if ("sqlite" in where) {
    // Never create: a mistyped path must say so, not leave an empty inbox behind.
    const store = new SqliteInbox({ path: where.sqlite, create: false });
    return { store, close: () => store.close() };
  }
  const { Redis } = loadIoredis();
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

function loadIoredis(): { Redis: typeof import("ioredis").Redis } {
  const ioredis = requirePeer("ioredis") as Partial<typeof import("ioredis")> | undefined;
  if (ioredis === undefined) {
    throw new Error(
      "--redis needs the optional peer dependency ioredis, and no copy of it was found (looked up from this " +
        "package, the working directory and the running script): npm install ioredis",
    );
  }
  if (typeof ioredis.Redis !== "function") throw new Error("ioredis was found but does not export Redis (ioredis 5 or later is needed).");
  return { Redis: ioredis.Redis };
}
