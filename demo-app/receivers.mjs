// The six receivers, configured as an app would: secrets from the environment, the
// package's default body limit, and the embedded inbox for providers that do not resend.
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
import { BODY_LIMIT_BYTES, INBOX_PATH, INBOX_PROVIDERS } from "./config.mjs";

/**
 * The embedded inbox, or undefined where it cannot open (better-sqlite3, an optional
 * peer dependency, not installed): the demo then runs without one.
 */
function openInbox() {
  try {
    mkdirSync(dirname(INBOX_PATH), { recursive: true });
    return new SqliteInbox({ path: INBOX_PATH });
  } catch (error) {
    console.warn(`No embedded inbox (${error.message}); deliveries are dispatched directly.`);
    return undefined;
  }
}

/**
 * Creates every provider's receiver, keyed by the provider id used in `/hooks/<id>`,
 * and the inbox they share (one store serves several receivers: each takes its own records).
 * @param {Record<string, { value: string }>} credentials from `demoCredentials()`
 * @param {{ logger?: object, hooks?: object }} [observability] a pino logger and metrics hooks
 */
export function createDemoReceivers(credentials, { logger, hooks } = {}) {
  const inbox = openInbox();
  const options = (provider) => ({
    limit: BODY_LIMIT_BYTES,
    logger,
    hooks,
    ...(inbox && INBOX_PROVIDERS.includes(provider) ? { inbox } : {}),
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
  return { receivers, inbox };
}
