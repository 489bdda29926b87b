// The six receivers, configured as an app would: secrets from the environment, the
// package's default body limit, and a durable place for the events of providers that do
// not resend: the embedded SQLite inbox, or PostgreSQL or a BullMQ queue when given a URL.
// What happens to their events is up to the caller.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createNhnCloudReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
  SqliteInbox,
} from "express-webhook-receivers";
import { BODY_LIMIT_BYTES, BULLMQ_QUEUE, INBOX_PATH, INBOX_PROVIDERS, POSTGRES_TABLE, POSTGRES_URL, REDIS_URL } from "./config.mjs";

/**
 * Where the events of providers that never resend are kept: PostgreSQL (DEMO_POSTGRES_URL),
 * a BullMQ queue (DEMO_REDIS_URL), else the embedded SQLite inbox, or nothing where
 * better-sqlite3 (an optional peer dependency) is not installed.
 * @returns {Promise<{ inbox?: object, queue?: object, close?: () => Promise<void> }>}
 */
async function openStorage() {
  if (POSTGRES_URL) {
    const { PostgresInbox } = await import("express-webhook-receivers/postgres");
    const inbox = new PostgresInbox({ connectionString: POSTGRES_URL, table: POSTGRES_TABLE });
    // Explicit and idempotent: an app runs it at start-up, or its migrations run the SQL.
    await inbox.createSchema();
    return { inbox };
  }
  if (REDIS_URL) {
    const [{ Queue }, { Redis }, { BullmqHandoff }] = await Promise.all([
      import("bullmq"),
      import("ioredis"),
      import("express-webhook-receivers/bullmq"),
    ]);
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(BULLMQ_QUEUE, { connection });
    return {
      queue: new BullmqHandoff(queue),
      connection,
      close: () =>
        queue
          .close()
          .then(() => connection.quit())
          .then(() => undefined),
    };
  }
  try {
    mkdirSync(dirname(INBOX_PATH), { recursive: true });
    return { inbox: new SqliteInbox({ path: INBOX_PATH }) };
  } catch (error) {
    console.warn(`No embedded inbox (${error.message}); deliveries are dispatched directly.`);
    return {};
  }
}

/**
 * Creates every provider's receiver, keyed by the provider id used in `/hooks/<id>`,
 * and the inbox or queue they share (one store serves several receivers: each takes its
 * own records; one BullMQ worker in this process runs the queued ones).
 * @param {Record<string, { value: string }>} credentials from `demoCredentials()`
 * @param {{ logger?: object, hooks?: object }} [observability] a pino logger and metrics hooks
 */
export async function createDemoReceivers(credentials, { logger, hooks } = {}) {
  const storage = await openStorage();
  const { inbox, queue } = storage;
  const kept = (provider) => INBOX_PROVIDERS.includes(provider);
  const options = (provider) => ({
    limit: BODY_LIMIT_BYTES,
    logger,
    hooks,
    ...(inbox && kept(provider) ? { inbox } : {}),
    ...(queue && kept(provider) ? { queue } : {}),
  });
  const secret = (provider) => credentials[provider].value;
  const receivers = {
    misskey: createMisskeyReceiver({ secret: secret("misskey"), ...options("misskey") }),
    oksky: createOkskyReceiver({ secret: secret("oksky"), ...options("oksky") }),
    "kakao-bizmessage": createKakaoBizmessageReceiver({ secret: secret("kakao-bizmessage"), ...options("kakao-bizmessage") }),
    // KakaoTalk Bizmessage, SMS and Email on one URL, events named "<product>/<event>".
    "nhn-cloud": createNhnCloudReceiver({ secret: secret("nhn-cloud"), ...options("nhn-cloud") }),
    // OneInbox and Pokepay document no signature: a shared token in Authorization: Bearer.
    oneinbox: createOneInboxReceiver({ auth: { token: secret("oneinbox") }, ...options("oneinbox") }),
    pokepay: createPokepayReceiver({ auth: { token: secret("pokepay") }, ...options("pokepay") }),
  };
  let worker;
  if (queue) {
    // Ingest and worker in one process, for the demo; in production the worker runs apart.
    const { createBullmqWorker } = await import("express-webhook-receivers/bullmq");
    const queued = Object.entries(receivers).flatMap(([provider, receiver]) => (kept(provider) ? [receiver] : []));
    worker = createBullmqWorker(queued, { connection: storage.connection, queue: BULLMQ_QUEUE });
  }
  const close = async () => {
    await worker?.close();
    await storage.close?.();
    await inbox?.close();
  };
  return { receivers, inbox, queue, close };
}
