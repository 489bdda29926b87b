import { z } from "zod";
import type { BasicCredentials } from "./auth/generic-auth.js";
import type { SecretResolver } from "./auth/resolve-secret.js";
import type { ReceiverHooks } from "./hooks.js";
import type { Logger } from "./types.js";
import { isDedupeStore, type DedupeStore } from "../stores/types.js";
import { isInboxStore, type InboxStore } from "../inbox/types.js";
import { isDeliveryQueue, type DeliveryQueue } from "../inbox/delivery-queue.js";

// The options' runtime checks: a wrong option throws at start-up, not at the first request.

const secretList = z.union([
  z.string().min(1),
  z.array(z.string().min(1)).min(1),
  z.custom<SecretResolver<string | readonly string[]>>((v) => typeof v === "function"),
]);
const positiveInt = z.number().int().positive();
const fn = z.custom<(...args: never[]) => unknown>((value) => typeof value === "function", "Expected a function");

const sharedShape = {
  limit: z.union([positiveInt, z.string().regex(/^\s*\d+(\.\d+)?\s*(b|kb|mb|gb)?\s*$/i, 'Expected e.g. "1mb"')]).optional(),
  dedupe: z
    .union([
      z.literal(false),
      z.custom<DedupeStore>(isDedupeStore, "Expected a store with get, set and delete"),
      z.strictObject({ store: z.custom<DedupeStore>(isDedupeStore).optional(), ttlMs: positiveInt.optional() }),
    ])
    .optional(),
  ack: z.enum(["after-dispatch", "immediate"]).optional(),
  dispatchTimeoutMs: positiveInt.optional(),
  logger: z
    .union([
      z.literal(false),
      z.custom<Logger>((v) => {
        const logger = v as Partial<Logger> | null | undefined;
        return typeof logger?.warn === "function" && typeof logger.error === "function";
      }, "Expected a logger with warn and error"),
    ])
    .optional(),
  multipart: z
    .strictObject({ maxFileSize: positiveInt, maxFiles: positiveInt, maxFields: positiveInt, maxFieldSize: positiveInt })
    .partial()
    .optional(),
  maxFields: positiveInt.optional(),
  maxDepth: positiveInt.optional(),
  bodyTimeoutMs: positiveInt.optional(),
  allowUnauthenticated: z.boolean().optional(),
  // By reference: a hooks object may be a class instance whose methods live on its prototype.
  hooks: z
    .custom<ReceiverHooks | readonly ReceiverHooks[]>((v) => typeof v === "object" && v !== null, "Expected hooks or an array of them")
    .optional(),
  resolverTimeoutMs: positiveInt.optional(),
  logPayloads: z.boolean().optional(),
  inbox: z
    .union([
      z.custom<InboxStore>(isInboxStore, "Expected an inbox store"),
      z.strictObject({
        store: z.custom<InboxStore>(isInboxStore, "Expected an inbox store"),
        maxAttempts: positiveInt.optional(),
        leaseMs: positiveInt.optional(),
        pollIntervalMs: positiveInt.optional(),
        backoffMs: positiveInt.optional(),
        maxBackoffMs: positiveInt.optional(),
        ingestOnly: z.boolean().optional(),
      }),
    ])
    .optional(),
  queue: z.custom<DeliveryQueue>(isDeliveryQueue, "Expected a delivery queue (e.g. new BullmqHandoff(queue))").optional(),
};

export const headerSecretSchema = z.strictObject({ ...sharedShape, secret: secretList.optional() });
export const genericAuthSchema = z.strictObject({
  ...sharedShape,
  auth: z
    .strictObject({
      token: secretList.optional(),
      basic: z
        .union([
          z.strictObject({
            username: z
              .string()
              .min(1)
              .refine((name) => !name.includes(":"), "A Basic username cannot contain ':'"),
            password: z.string().min(1),
          }),
          z.custom<SecretResolver<BasicCredentials>>((v) => typeof v === "function"),
        ])
        .optional(),
      allowIps: z.array(z.string()).min(1).optional(),
      verify: fn.optional(),
    })
    // unknown: a key given as undefined is present in the output (and typed as if it were not).
    .refine((auth) => Object.values(auth).some((v: unknown) => v !== undefined), "auth needs token, basic, allowIps or verify")
    .optional(),
});
