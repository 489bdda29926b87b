// Sample deliveries for every provider, built with the package's own test builders, and
// optionally spoiled (bad secret, malformed or oversized body) to show each refusal.
import { randomBytes } from "node:crypto";
import {
  kakaoBizmessageDelivery,
  kakaoBizmessageEventNames,
  misskeyDelivery,
  misskeyEventNames,
  nhnCloudDelivery,
  nhnCloudEventNames,
  okskyDelivery,
  okskyEventNames,
  okskySampleLayouts,
  oneInboxDelivery,
  oneInboxEventNames,
  pokepayDelivery,
  pokepayEventNames,
} from "express-webhook-receivers/testing";
import { BODY_LIMIT_BYTES } from "./config.mjs";

const JSON_ONLY = ["application/json"];

/**
 * The Misskey-compatible servers whose deliveries the sample builder imitates (its
 * `software` option): each one's header names, User-Agent, envelope and Content-Type.
 */
const MISSKEY_SOFTWARE = ["misskey", "sharkey", "firefish", "iceshrimp", "cherrypick", "misskey-v13"];

/** What can be sent per provider, and how to build it. */
/** OK SKY's body layouts by content type, the default first, as the sample builder knows them. */
const okskyLayouts = {};
for (const [contentType, layout] of okskySampleLayouts) (okskyLayouts[contentType] ??= []).push(layout);

export const sampleProviders = {
  misskey: {
    label: "Misskey",
    events: misskeyEventNames,
    contentTypes: JSON_ONLY,
    software: MISSKEY_SOFTWARE,
    build: (event, secret, { software }) => misskeyDelivery(event, { secret, ...(software ? { software } : {}) }),
  },
  oksky: {
    label: "OK SKY",
    events: okskyEventNames,
    // Each OK SKY webhook chooses its content type; only the JSON envelope is documented,
    // the other layouts are what the receiver also accepts.
    contentTypes: Object.keys(okskyLayouts),
    layouts: okskyLayouts,
    build: (event, secret, { contentType, layout }) => okskyDelivery(event, { secret, contentType, ...(layout ? { layout } : {}) }),
  },
  "kakao-bizmessage": {
    label: "KakaoTalk Bizmessage",
    events: kakaoBizmessageEventNames,
    contentTypes: JSON_ONLY,
    build: (event, secret) => kakaoBizmessageDelivery(event, { secret }),
  },
  "nhn-cloud": {
    label: "NHN Cloud",
    // "<product>/<event>": KakaoTalk Bizmessage, SMS and Email on one URL.
    events: nhnCloudEventNames,
    contentTypes: JSON_ONLY,
    build: (event, secret) => nhnCloudDelivery(event, { secret }),
  },
  oneinbox: {
    label: "OneInbox",
    events: oneInboxEventNames,
    contentTypes: JSON_ONLY,
    build: (event, token) => oneInboxDelivery(event, { token }),
  },
  pokepay: {
    label: "Pokepay",
    events: pokepayEventNames,
    contentTypes: JSON_ONLY,
    build: (event, token) => pokepayDelivery(event, { token }),
  },
};

/** Ways to spoil a sample, each answered with its own refusal. */
export const tampers = ["none", "bad-secret", "malformed", "oversized"];

/** A request the sample builders cannot satisfy; `choices` lists what would work. */
export class SampleError extends Error {
  constructor(message, choices) {
    super(message);
    this.name = "SampleError";
    this.choices = choices;
  }
}

function choose(value, choices, what) {
  if (choices.includes(value)) return value;
  throw new SampleError(`"${value}" is not ${what}. Choose one of: ${choices.join(", ")}`, choices);
}

/** The catalog the page's form offers (no builders, no secrets). */
export function sampleCatalog() {
  return Object.entries(sampleProviders).map(([id, { label, events, contentTypes, layouts, software }]) => ({
    id,
    label,
    events,
    contentTypes,
    // Body layouts by content type, first one the default; empty where there is one way.
    layouts: layouts ?? {},
    // The servers whose deliveries can be imitated, the default first; empty where one sends.
    software: software ?? [],
  }));
}

/**
 * Builds a sample delivery `{ method, headers, body, payload }` for a provider's event.
 * @param {{ provider: string, event: string, contentType?: string, layout?: string, software?: string, tamper?: string }} request
 * @param {Record<string, { value: string }>} credentials from `demoCredentials()`
 */
export function buildSample(request, credentials) {
  const provider = choose(String(request.provider ?? ""), Object.keys(sampleProviders), "a provider");
  const spec = sampleProviders[provider];
  const event = choose(String(request.event ?? ""), spec.events, `a ${provider} event`);
  const contentType = choose(request.contentType || spec.contentTypes[0], spec.contentTypes, `a ${provider} content type`);
  const layouts = spec.layouts?.[contentType] ?? [];
  const layout = request.layout ? choose(request.layout, layouts, `a layout for ${contentType}`) : undefined;
  const software = request.software ? choose(String(request.software), spec.software ?? [], `a ${provider} server software`) : undefined;
  const tamper = choose(request.tamper || "none", tampers, "a way to spoil a sample");

  const credential = tamper === "bad-secret" ? `forged-${randomBytes(6).toString("hex")}` : credentials[provider].value;
  const delivery = spec.build(event, credential, { contentType, layout, software });
  if (tamper === "malformed") return malformed(delivery);
  if (tamper === "oversized") return oversized(delivery);
  return delivery;
}

// Half a JSON document: every receiver refuses it as malformed_body.
function malformed(delivery) {
  const declared = delivery.headers["content-type"];
  const json = JSON.stringify(delivery.payload);
  return {
    ...delivery,
    headers: { ...delivery.headers, "content-type": /json/i.test(declared) ? declared : "application/json" },
    body: json.slice(0, Math.floor(json.length / 2)),
  };
}

// Trailing whitespace keeps the body well-formed: only its size is wrong.
function oversized(delivery) {
  const padding = Buffer.alloc(BODY_LIMIT_BYTES + 1, " ");
  return { ...delivery, body: Buffer.concat([Buffer.from(delivery.body), padding]) };
}

/** Where a provider's hook is mounted on the demo. */
export const hookPath = (provider) => `/hooks/${provider}`;

/** Why a fetch failed, in a word where Node gives one (ECONNREFUSED...). */
export const fetchFailure = (error) => error.cause?.code ?? error.cause?.message ?? error.message;

/** POSTs a delivery and returns the answer: `{ status, statusText, body }`. */
export async function postDelivery(url, delivery) {
  const response = await fetch(url, { method: "POST", headers: delivery.headers, body: delivery.body });
  return { status: response.status, statusText: response.statusText, body: await response.text() };
}
