// The demo's settings: the secrets and tokens its receivers accept (and where each comes
// from), the body limit and the inbox. Defaults are for trying the demo locally only:
// set the environment variables for anything reachable from elsewhere.
import { fileURLToPath } from "node:url";

/** The largest body the demo's receivers accept (the package's default, 1 MiB). */
export const BODY_LIMIT_BYTES = 1024 * 1024;

/** The embedded inbox's SQLite file (demo-app/data/ is git-ignored); DEMO_INBOX_PATH overrides it. */
export const INBOX_PATH = process.env.DEMO_INBOX_PATH || fileURLToPath(new URL("./data/inbox.sqlite", import.meta.url));

/** PostgreSQL instead of SQLite (DEMO_POSTGRES_URL, e.g. postgres://localhost/app), in this table. */
export const POSTGRES_URL = process.env.DEMO_POSTGRES_URL || undefined;
export const POSTGRES_TABLE = process.env.DEMO_POSTGRES_TABLE || "demo_webhook_inbox";
/** A BullMQ queue on Redis instead of an inbox (DEMO_REDIS_URL, e.g. redis://127.0.0.1:6379). */
export const REDIS_URL = process.env.DEMO_REDIS_URL || undefined;
export const BULLMQ_QUEUE = "demo-webhooks";

/**
 * Providers whose deliveries go through the inbox: OK SKY never resends, and NHN Cloud
 * (KakaoTalk Bizmessage, SMS, Email) and Pokepay document no retries, so a listener that throws must not lose the event.
 * Misskey and OneInbox resend on 5xx and keep the direct path (dedupe only).
 */
export const INBOX_PROVIDERS = ["oksky", "kakao-bizmessage", "nhn-cloud", "pokepay"];

/** One entry per provider: the env var that overrides it, its local default, how it is sent. */
export const credentialSources = [
  { provider: "misskey", env: "MISSKEY_HOOK_SECRET", fallback: "demo-misskey-secret", sentAs: "X-Misskey-Hook-Secret" },
  { provider: "oksky", env: "OKSKY_SECRET_TOKEN", fallback: "demo-oksky-secret", sentAs: "X-Oksky-Secret-Token" },
  { provider: "kakao-bizmessage", env: "KAKAO_WEBHOOK_SIGNATURE", fallback: "demo-kakao-signature", sentAs: "X-Toast-Webhook-Signature" },
  // One signature for every NHN Cloud product pointed at the shared URL.
  { provider: "nhn-cloud", env: "NHN_WEBHOOK_SIGNATURE", fallback: "demo-nhn-cloud-signature", sentAs: "X-Toast-Webhook-Signature" },
  { provider: "oneinbox", env: "ONEINBOX_TOKEN", fallback: "demo-oneinbox-token", sentAs: "Authorization: Bearer" },
  { provider: "pokepay", env: "POKEPAY_TOKEN", fallback: "demo-pokepay-token", sentAs: "Authorization: Bearer" },
];

/**
 * The credential of every provider: from the environment where set, else the default.
 * @returns {Record<string, { value: string, fromEnv: boolean }>}
 */
export function demoCredentials(env = process.env) {
  return Object.fromEntries(
    credentialSources.map(({ provider, env: name, fallback }) => {
      const given = env[name];
      return [provider, given ? { value: given, fromEnv: true } : { value: fallback, fromEnv: false }];
    }),
  );
}
