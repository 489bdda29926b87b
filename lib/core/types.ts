import type { Readable } from "node:stream";
import type { WebhookErrorCode } from "./error-code.js";

/** Header values as Node gives them; names may be in any case. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/**
 * One HTTP request, framework-free. Give `stream` to let the receiver read the body
 * itself (bounded, after authentication); give `body` when something already read it:
 * a Buffer or string of the raw bytes, or an object another middleware parsed.
 */
export interface WebhookRequest {
  method: string;
  headers: HeaderMap;
  body?: Buffer | Uint8Array | string | object | undefined;
  stream?: Readable;
  query?: Readonly<Record<string, unknown>>;
  /** The client address (behind a proxy: the one Express computed from `trust proxy`). */
  remoteAddress?: string | undefined;
  /** Route parameters of the mount path (`/hooks/misskey/:tenant` → `{ tenant }`). */
  params?: Readonly<Record<string, string>>;
}

/** What every event's `meta` has, whatever the provider. */
export interface RouteMeta {
  /** Route parameters of the mount path, e.g. `{ tenant: "acme" }` for `/hooks/misskey/:tenant`. */
  readonly params: Readonly<Record<string, string>>;
}

/** What happened to a request: `"ok"`, `"duplicate"`, or why it was refused or failed. */
export type Outcome = "ok" | "duplicate" | WebhookErrorCode;

export interface WebhookResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** What happened, also where the status does not say (OK SKY's failures are 200). */
  outcome: Outcome;
}

/** What every event has, whatever the provider. */
export interface WebhookEventBase {
  readonly provider: string;
  readonly name: string;
  /** The provider's delivery id, used for dedupe; undefined where none is sent. */
  readonly id: string | undefined;
  readonly payload: unknown;
  readonly receivedAt: Date;
  /** False for an event name this version of the package has no schema for. */
  readonly known: boolean;
  readonly meta: unknown;
}

/**
 * A validated event of a known name. `I` is its delivery id's type: `string` where the
 * provider always sends one (Misskey, KakaoTalk Bizmessage, OneInbox).
 */
export interface WebhookEvent<
  P extends string,
  N extends string,
  T,
  M,
  I extends string | undefined = string | undefined,
> extends WebhookEventBase {
  readonly provider: P;
  readonly name: N;
  readonly id: I;
  readonly payload: T;
  readonly known: true;
  readonly meta: M;
}

/** An event whose name has no schema here: it reaches `onAny`, never `on(name)`. */
export interface UnknownWebhookEvent<P extends string, M, I extends string | undefined = string | undefined> extends WebhookEventBase {
  readonly provider: P;
  readonly id: I;
  readonly payload: unknown;
  readonly known: false;
  readonly meta: M;
}

/** The subset of pino's interface we call; console-like loggers fit too. */
export interface Logger {
  debug?(obj: object, msg?: string): void;
  info?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}
