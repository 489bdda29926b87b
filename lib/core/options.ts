import { Console } from "node:console";
import type { z } from "zod";
import { genericAuthSchema, headerSecretSchema } from "./options-schema.js";
import { missingSecret, optionsError } from "./options-error.js";
import { stderrLogger } from "./stderr-logger.js";
import type { Authenticator } from "./auth/authenticator.js";
import { noAuthentication } from "./auth/authenticator.js";
import { genericAuth, type AuthOptions } from "./auth/generic-auth.js";
import type { SecretResolver } from "./auth/resolve-secret.js";
import { compileHooks, type CompiledHooks, type ReceiverHooks } from "./hooks.js";
import { headerSecret } from "./auth/header-secret.js";
import type { MultipartLimits } from "./request/content-types/multipart.js";
import { parseSize } from "./request/read-body.js";
import { DEFAULT_MAX_DEPTH } from "./request/content-types/structure-limits.js";
import type { Logger } from "./types.js";
import { isDedupeStore, type DedupeStore } from "../stores/types.js";
import { MemoryStore } from "../stores/memory.js";
import { isInboxStore, type InboxStore } from "../inbox/types.js";
import type { DeliveryQueue } from "../inbox/delivery-queue.js";
import type { InboxSettings } from "./delivery/inbox-worker.js";

/** Options every receiver takes. */
export interface ReceiverOptions {
  /** Largest body accepted (bytes, or "512kb", "1mb"); larger ones get 413. @default "1mb" */
  limit?: number | string;
  /**
   * Dropping repeated deliveries by the provider's delivery id: a store (shared between
   * instances), `{ store, ttlMs }`, or `false`. @default an in-memory store where the
   * provider sends a delivery id (off for OK SKY): 24 h or 10,000 ids or 4 MiB, whichever
   * comes first (see `MemoryStore`'s `maxEntries` and `maxBytes`)
   */
  dedupe?: false | DedupeStore | { store?: DedupeStore; ttlMs?: number };
  /**
   * When to answer: after listeners finish (`"after-dispatch"`, failures answered so the
   * provider resends), or at once (`"immediate"`, failures go to `onError`).
   * @default "after-dispatch"
   */
  ack?: "after-dispatch" | "immediate";
  /**
   * How long listeners may run before the receiver answers anyway (they keep running).
   * @default 4000 (below Misskey's 5 s sender timeout)
   */
  dispatchTimeoutMs?: number;
  /**
   * Where refusals and failures are told, one line each, never a secret: a pino-compatible
   * logger, or `console` (one text line per call), or `false` for nothing.
   * @default one line each on stderr, refusals at most one per code per minute
   */
  logger?: Logger | false;
  /** Limits for `multipart/form-data` bodies. */
  multipart?: Partial<MultipartLimits>;
  /** Most fields in a form body (413 beyond). @default 1000 */
  maxFields?: number;
  /**
   * Deepest nesting of objects and arrays accepted in a body (JSON, form keys such as
   * `a[b][c]`, or a body another middleware parsed); deeper: 400 `body_too_deep`, before
   * JSON is parsed. Everything accepted can then be serialized by any store. @default 64
   * (the deepest real delivery nests 7 levels)
   */
  maxDepth?: number;
  /** Longest time a request body may take to arrive; a slower one gets 408 and its socket closes. @default 10000 */
  bodyTimeoutMs?: number;
  /**
   * A durable inbox: each verified delivery is stored before dispatch and marked done
   * after; failures are retried with backoff and left `failed` after `maxAttempts`.
   * Once stored, the delivery is the receiver's and is answered 2xx. With an inbox,
   * the inbox's keys are the dedupe record. @default none
   */
  inbox?: InboxStore | InboxOptions;
  /**
   * A job queue for worker processes (BullMQ: `new BullmqHandoff(queue)` from
   * `express-webhook-receivers/bullmq`): each verified delivery becomes a job, whose id is
   * its dedupe key, and is answered 2xx once stored. This receiver then runs no listener:
   * workers built from it (`createBullmqWorker(receiver, ...)`) do. Not with `inbox`.
   * @default none
   */
  queue?: DeliveryQueue;
  /** Callbacks at each stage of a delivery (metrics, traces, audit); several sets may be given. */
  hooks?: ReceiverHooks | readonly ReceiverHooks[];
  /** How long a secret resolver (per-tenant secrets) may take; past it, 503. @default 2000 */
  resolverTimeoutMs?: number;
  /** Put payloads in failure log lines (they may hold personal data). @default false */
  logPayloads?: boolean;
}

/** Tuning of the inbox's retries. */
export interface InboxOptions {
  store: InboxStore;
  /** Attempts before a record is left `failed` for replay. @default 5 */
  maxAttempts?: number;
  /** How long one attempt owns a record; a crashed process's record is retried after it. @default 60000 */
  leaseMs?: number;
  /** How often due retries are looked for. @default 1000 */
  pollIntervalMs?: number;
  /** First retry delay, doubled each attempt. @default 1000 */
  backoffMs?: number;
  /** Longest retry delay. @default 300000 */
  maxBackoffMs?: number;
  /**
   * Store and answer only: this receiver dispatches nothing itself, and deliveries wait,
   * due at once, for worker processes that call `receiver.work()` on a receiver over the
   * same store. @default false
   */
  ingestOnly?: boolean;
}

/**
 * Options of a provider that sends a static secret in a header: `secret`, or
 * `allowUnauthenticated: true` written out (a receiver without either does not compile,
 * and throws at construction for JavaScript callers).
 */
export type HeaderSecretOptions = ReceiverOptions &
  (
    | {
        /**
         * The secret set at the provider; several are accepted at once, for rotation. A
         * function finds it per request, e.g. per tenant from a route parameter:
         * `secret: ({ params }) => secrets.get(params.tenant ?? "")` over a `Map` (or
         * `Object.hasOwn` on a plain object). What it returns besides non-empty strings
         * (undefined, `""`, an object) is no secret: 401, as a wrong secret. Its deliveries
         * are deduplicated and stored per tenant.
         */
        secret: string | readonly string[] | SecretResolver<string | readonly string[]>;
        // boolean, not false: `Omit<MisskeyReceiverOptions, "secret">` (helpers that add the
        // secret themselves) keeps the key as boolean, and a given secret is checked anyway.
        allowUnauthenticated?: boolean;
      }
    | {
        secret?: undefined;
        /** Accept deliveries with no secret at all (only where the provider has none set). */
        allowUnauthenticated: true;
      }
  );

/**
 * Options of a provider that documents no signature: `auth`, or `allowUnauthenticated:
 * true` written out (a receiver without either does not compile, and throws at
 * construction for JavaScript callers).
 */
export type GenericAuthOptions = ReceiverOptions &
  (
    | {
        /** How requests prove they come from the provider. */
        auth: AuthOptions;
        allowUnauthenticated?: boolean;
      }
    | {
        auth?: undefined;
        /** Accept any request (only behind something else that authenticates). */
        allowUnauthenticated: true;
      }
  );

/** Options after validation, with every default applied. */
export interface ResolvedOptions {
  limit: number;
  dedupe: { store: DedupeStore; ttlMs: number } | undefined;
  ack: "after-dispatch" | "immediate";
  dispatchTimeoutMs: number;
  /** The default stderr logger when none was given; undefined for `logger: false`. */
  logger: Logger | undefined;
  multipart: MultipartLimits;
  maxFields: number;
  maxDepth: number;
  bodyTimeoutMs: number;
  authenticator: Authenticator;
  inbox: InboxSettings | undefined;
  queue: DeliveryQueue | undefined;
  hooks: CompiledHooks | undefined;
  logPayloads: boolean;
}

export const DEFAULT_LIMIT = 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Defaults {
  dedupeByDefault: boolean;
  dispatchTimeoutMs: number;
}

function validate<T>(schema: z.ZodType<T> & { shape: object }, options: unknown, factory: string): T {
  const result = schema.safeParse(options ?? {});
  if (!result.success) throw optionsError(factory, result.error.issues, options, Object.keys(schema.shape));
  const { inbox, queue } = result.data as { inbox?: unknown; queue?: unknown };
  if (inbox !== undefined && queue !== undefined) {
    throw new TypeError(`${factory}: options "inbox" and "queue" are two places to keep deliveries; give one.`);
  }
  return result.data;
}

/** The user's logger; `console`'s methods print objects over several lines, so it gets the one-line format. */
function resolveLogger(logger: Logger | false | undefined): Logger | undefined {
  if (logger === false) return undefined;
  if (logger === undefined) return stderrLogger();
  if (logger === globalThis.console || logger instanceof Console) {
    const target = logger as Console;
    return stderrLogger({
      sink: (level, line) => {
        target[level](line);
      },
    });
  }
  return logger;
}

function resolveShared(options: z.infer<typeof headerSecretSchema>, defaults: Defaults, authenticator: Authenticator): ResolvedOptions {
  const limit = options.limit === undefined ? DEFAULT_LIMIT : parseSize(options.limit);
  const maxFields = options.maxFields ?? 1000;
  const logger = resolveLogger(options.logger);
  let dedupe: ResolvedOptions["dedupe"];
  if (options.dedupe === undefined) {
    dedupe = defaults.dedupeByDefault ? { store: new MemoryStore(), ttlMs: DAY_MS } : undefined;
  } else if (options.dedupe !== false) {
    dedupe = isDedupeStore(options.dedupe)
      ? { store: options.dedupe, ttlMs: DAY_MS }
      : { store: options.dedupe.store ?? new MemoryStore(), ttlMs: options.dedupe.ttlMs ?? DAY_MS };
  }
  return {
    limit,
    dedupe,
    ack: options.ack ?? "after-dispatch",
    dispatchTimeoutMs: options.dispatchTimeoutMs ?? defaults.dispatchTimeoutMs,
    logger,
    maxFields,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    bodyTimeoutMs: options.bodyTimeoutMs ?? 10_000,
    multipart: { maxFileSize: limit, maxFiles: 10, maxFields, maxFieldSize: limit, ...options.multipart },
    authenticator,
    inbox: options.inbox && resolveInbox(options.inbox),
    queue: options.queue,
    hooks: compileHooks(options.hooks, logger),
    logPayloads: options.logPayloads ?? false,
  };
}

function resolveInbox(inbox: InboxStore | InboxOptions): InboxSettings {
  const options = isInboxStore(inbox) ? { store: inbox } : inbox;
  return {
    store: options.store,
    maxAttempts: options.maxAttempts ?? 5,
    leaseMs: options.leaseMs ?? 60_000,
    pollIntervalMs: options.pollIntervalMs ?? 1000,
    backoffMs: options.backoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 300_000,
    ingestOnly: options.ingestOnly ?? false,
  };
}

function requireAuthChoice(hasAuth: boolean, allowUnauthenticated: boolean | undefined, factory: string, what: string): void {
  if (!hasAuth && allowUnauthenticated !== true) {
    throw new TypeError(`${factory}: set ${what}, or allowUnauthenticated: true to accept unauthenticated requests.`);
  }
}

/** Validates the options of a header-secret provider and builds its authenticator. */
export function resolveHeaderSecretOptions(
  options: HeaderSecretOptions,
  header: string | readonly string[],
  defaults: Defaults,
  factory: string,
): ResolvedOptions {
  const parsed = validate(headerSecretSchema, options, factory);
  // `secret: process.env.X` with X unset: say so, rather than "set secret".
  if (parsed.secret === undefined && parsed.allowUnauthenticated !== true && Object.hasOwn(Object(options) as object, "secret")) {
    throw new TypeError(`${factory}: ${missingSecret("secret", undefined)}`);
  }
  requireAuthChoice(parsed.secret !== undefined, parsed.allowUnauthenticated, factory, "secret");
  const authenticator = parsed.secret === undefined ? noAuthentication : headerSecret(header, parsed.secret, parsed.resolverTimeoutMs);
  return resolveShared(parsed, defaults, authenticator);
}

/** Validates the options of a provider without a documented signature and builds its authenticator. */
export function resolveGenericAuthOptions(options: GenericAuthOptions, defaults: Defaults, factory: string): ResolvedOptions {
  const parsed = validate(genericAuthSchema, options, factory);
  requireAuthChoice(
    parsed.auth !== undefined,
    parsed.allowUnauthenticated,
    factory,
    "auth ({ token }, { basic }, { allowIps } or { verify })",
  );
  let authenticator = noAuthentication;
  if (parsed.auth !== undefined) {
    try {
      authenticator = genericAuth(parsed.auth as AuthOptions, parsed.resolverTimeoutMs);
    } catch (error) {
      throw new TypeError(`${factory}: ${(error as Error).message}`, { cause: error });
    }
  }
  return resolveShared(parsed, defaults, authenticator);
}
