// The five receivers, configured as an app would: secrets from the environment, the
// package's default body limit. What happens to their events is up to the caller.
import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
} from "express-webhook-receivers";
import { BODY_LIMIT_BYTES } from "./config.mjs";

/**
 * Creates every provider's receiver, keyed by the provider id used in `/hooks/<id>`.
 * @param {Record<string, { value: string }>} credentials from `demoCredentials()`
 */
export function createDemoReceivers(credentials) {
  const secret = (provider) => credentials[provider].value;
  const limit = BODY_LIMIT_BYTES;
  return {
    misskey: createMisskeyReceiver({ secret: secret("misskey"), limit }),
    oksky: createOkskyReceiver({ secret: secret("oksky"), limit }),
    "kakao-bizmessage": createKakaoBizmessageReceiver({ secret: secret("kakao-bizmessage"), limit }),
    // OneInbox and Pokepay document no signature: a shared token in Authorization: Bearer.
    oneinbox: createOneInboxReceiver({ auth: { token: secret("oneinbox") }, limit }),
    pokepay: createPokepayReceiver({ auth: { token: secret("pokepay") }, limit }),
  };
}
