import type { Router } from "express";
import fc from "fast-check";
import type { z } from "zod";
import type { WebhookError } from "../../lib/core/errors.js";
import type { EventSchemas } from "../../lib/core/protocol.js";
import type { Logger, WebhookEventBase, WebhookRequest, WebhookResponse } from "../../lib/core/types.js";
import { kakaoBizmessageEventSchemas, kakaoEnvelopeSchema } from "../../lib/providers/kakao-bizmessage/index.js";
import { misskeyEnvelopeSchema, misskeyEventSchemas } from "../../lib/providers/misskey/index.js";
import { normalizeOkskyBody, okskyEnvelopeSchema, okskyEventSchemas } from "../../lib/providers/oksky/index.js";
import { oneInboxEnvelopeSchema, oneInboxEventSchemas } from "../../lib/providers/oneinbox/index.js";
import { pokepayEnvelopeSchema, pokepayEventSchemas } from "../../lib/providers/pokepay/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { kakaoTemplateUpdateDelivery } from "../../lib/testing/samples/kakao-bizmessage.js";
import { okskyEventNames, okskySampleLayouts } from "../../lib/testing/samples/oksky.js";
import { PROVIDERS as TABLE, provider as tableRow, type ProviderName, type ProviderRow } from "../fixtures/providers.js";

/** What the fuzz suite uses of a receiver, whatever its provider. */
export interface FuzzReceiver {
  receive(request: WebhookRequest): Promise<WebhookResponse>;
  onAny(listener: (event: WebhookEventBase) => unknown): unknown;
  onError(listener: (error: WebhookError) => unknown): unknown;
  readonly router: Router;
}

export interface ReceiverSettings {
  logger?: Logger;
  dedupe?: false;
  limit?: number;
  maxDepth?: number;
}

/** Where a credential travels: headers, and (generic auth) maybe the query. */
export interface Credential {
  headers: Record<string, string | string[]>;
  query: Record<string, unknown>;
}

/** One provider, as the fuzz properties see it. */
export interface ProviderCase {
  readonly name: string;
  /** A receiver accepting exactly these secrets (rotation list). */
  create(secrets: readonly string[], settings?: ReceiverSettings): FuzzReceiver;
  /** The places a credential can be put, each as a function of its value. */
  readonly credentialForms: readonly ((value: string | string[]) => Credential)[];
  /** Valid deliveries of every event (and, for OK SKY, every content type and layout), without credentials. */
  readonly deliveries: fc.Arbitrary<Delivery>;
  readonly events: EventSchemas;
  readonly envelope: z.ZodType;
  /** The event name the envelope gives. */
  nameOf(envelope: Record<string, unknown>): string;
  /** Whether the provider resends: a payload failing its schema is 400 (else 200, to onError). */
  readonly resends: boolean;
  /** What the provider does to a parsed JSON body before the envelope check (OK SKY's layouts). */
  normalize?(body: unknown): unknown;
}

const inHeader =
  (header: string) =>
  (value: string | string[]): Credential => ({ headers: { [header]: value }, query: {} });

const TOKEN_FORMS: readonly ((value: string | string[]) => Credential)[] = [
  (value) => ({ headers: { authorization: Array.isArray(value) ? value.map((one) => `Bearer ${one}`) : `Bearer ${value}` }, query: {} }),
  inHeader("x-webhook-token"),
  (value) => ({ headers: {}, query: { token: value } }),
];

const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** Every event of the row's sample builder, without credentials. */
const everyEvent = (row: ProviderRow): fc.Arbitrary<Delivery> => fc.constantFrom(...row.eventNames).map((event) => row.delivery(event));

/** What the fuzz properties add to each row of the fixtures' table. */
const FUZZ: Record<
  ProviderName,
  Pick<ProviderCase, "events" | "envelope" | "nameOf" | "normalize"> & { deliveries?: fc.Arbitrary<Delivery> }
> = {
  misskey: { events: misskeyEventSchemas, envelope: misskeyEnvelopeSchema, nameOf: (envelope) => str(envelope["type"]) },
  oksky: {
    // Every content type and layout OK SKY sends.
    deliveries: fc
      .tuple(fc.constantFrom(...okskyEventNames), fc.constantFrom(...okskySampleLayouts))
      .map(([event, [contentType, layout]]) => tableRow("oksky").delivery(event, { contentType, layout })),
    events: okskyEventSchemas,
    envelope: okskyEnvelopeSchema,
    nameOf: (envelope) => `${str(envelope["object_name"])}.${str(envelope["action"])}`,
    normalize: (body) => normalizeOkskyBody(body, "json").payload,
  },
  "kakao-bizmessage": {
    deliveries: fc.oneof(
      everyEvent(tableRow("kakao-bizmessage")),
      fc.constantFrom("TEMPLATE_STATUS_UPDATE", "INQUIRY_UPDATE").map((event) => kakaoTemplateUpdateDelivery(event)),
    ),
    events: kakaoBizmessageEventSchemas,
    envelope: kakaoEnvelopeSchema,
    nameOf: (envelope) => str(envelope["event"]),
  },
  oneinbox: { events: oneInboxEventSchemas, envelope: oneInboxEnvelopeSchema, nameOf: (envelope) => str(envelope["event"]) },
  pokepay: { events: pokepayEventSchemas, envelope: pokepayEnvelopeSchema, nameOf: (envelope) => str(envelope["task"]) },
};

/** Every provider, with its factory, credentials, samples and schemas. */
export const PROVIDERS: readonly ProviderCase[] = TABLE.map((row) => {
  const { deliveries, ...fuzz } = FUZZ[row.name];
  return {
    name: row.name,
    create: (secrets, settings) => row.create(secrets, settings),
    credentialForms: row.secretHeader === undefined ? TOKEN_FORMS : [inHeader(row.secretHeader)],
    deliveries: deliveries ?? everyEvent(row),
    resends: row.resends,
    ...fuzz,
  };
});

/** Records what a receiver dispatched, reported and logged, for the invariants. */
export interface Recorder {
  readonly events: WebhookEventBase[];
  readonly errors: WebhookError[];
  readonly logged: unknown[][];
  readonly logger: Logger;
  attach(receiver: FuzzReceiver): void;
  reset(): void;
}

export function recorder(): Recorder {
  const events: WebhookEventBase[] = [];
  const errors: WebhookError[] = [];
  const logged: unknown[][] = [];
  const log = (...args: unknown[]): void => {
    logged.push(args);
  };
  return {
    events,
    errors,
    logged,
    logger: { debug: log, info: log, warn: log, error: log },
    attach(receiver) {
      receiver.onAny((event) => {
        events.push(event);
      });
      receiver.onError((error) => {
        errors.push(error);
      });
    },
    reset() {
      events.length = 0;
      errors.length = 0;
      logged.length = 0;
    },
  };
}
