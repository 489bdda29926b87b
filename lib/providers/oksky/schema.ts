import { z } from "zod";
import { looseObject } from "../../core/loose-object.js";

// OK SKY lets each webhook pick JSON or a form encoding, and a form carries every value
// as text: the schemas read "123" as 123 and "true" as true where a field is a number or
// a boolean, so every content type validates to the same typed payload. Objects are
// loose throughout: a field OK SKY adds must never turn a delivery into an error.

const INTEGER = /^-?\d+$/;

/** An integer, also written as a decimal string (form layouts). */
export const okskyInt = z.union([z.int(), z.string().trim().regex(INTEGER).transform(Number).pipe(z.int())]);

/** A boolean, also written as "true"/"false" or "1"/"0" (form layouts). */
export const okskyBoolean = z.union([
  z.boolean(),
  z.enum(["true", "false", "1", "0"]).transform((value) => value === "true" || value === "1"),
]);

/** An id OK SKY types as a string (`drive_id`, `stamp_id`), also accepted as a number. */
export const okskyIdString = z.union([z.string(), z.number().transform(String)]);

/**
 * A nullable field where "" can only mean null: a form cannot tell null from "", and
 * "" is no number, date or id. Free text is left alone (there "" is a value).
 */
export function okskyNullable<T extends z.ZodType>(schema: T) {
  return z.union([z.literal("").transform(() => null), schema.nullable()]);
}

/** ISO-8601 with offset, as OK SKY writes it (`2021-03-17T14:27:04.386+09:00`); kept as text. */
const timestamp = z.string();
const optionalInt = okskyNullable(okskyInt).optional();

/** The Message object (`object_name: "Message"`). */
export const okskyMessageSchema = looseObject({
  id: okskyInt,
  room_id: okskyInt,
  /** Text of a text message; null for an image (a form layout gives ""). */
  content: z.string().nullable(),
  user_id: okskyNullable(okskyInt),
  created_at: timestamp,
  updated_at: timestamp,
  kind: z.enum(["text", "image", "link"]).or(z.string()),
  /** For an image: `{ src_url, alt, type }`. A form drops an empty `{}`: absent reads as `{}`. */
  settings: looseObject({ src_url: z.string().optional(), alt: z.string().optional(), type: z.string().optional() }).default(() => ({})),
  status: z.enum(["posted"]).or(z.string()).optional(),
  posted_at: okskyNullable(timestamp).optional(),
  drive_id: okskyNullable(okskyIdString).optional(),
  info: z
    .union([z.record(z.string(), z.unknown()), z.string()])
    .nullable()
    .default(() => ({})),
  stamp_id: okskyNullable(okskyIdString).optional(),
  deleted_at: okskyNullable(timestamp).optional(),
  /** A form drops an empty list; its absence reads as []. */
  tags: z.array(z.unknown()).default(() => []),
});

/** The Room object (`object_name: "Room"`). */
export const okskyRoomSchema = looseObject({
  id: okskyInt,
  name: z.string(),
  created_at: timestamp,
  updated_at: timestamp,
  create_user_id: optionalInt,
  description: z.string().nullable().optional(),
  is_private: okskyNullable(okskyBoolean).optional(),
  settings: looseObject({}).default(() => ({})),
  kind: z.enum(["support_room"]).or(z.string()),
  enabled: okskyNullable(okskyBoolean).optional(),
  client_id: optionalInt,
  external_service_id: optionalInt,
  awaiting_support: okskyNullable(okskyBoolean).optional(),
  room_code: z.string().nullable().optional(),
  helped_room_id: optionalInt,
  latest_message_id: optionalInt,
});

/** The Support object (`object_name: "Support"`): a support session that starts and ends. */
export const okskySupportSchema = looseObject({
  id: okskyInt,
  room_id: okskyInt,
  start_time: okskyNullable(timestamp),
  /** Null while the support is running. */
  end_time: okskyNullable(timestamp),
  created_at: timestamp,
  updated_at: timestamp,
  /** The agent handling the support. */
  user_id: okskyNullable(okskyInt),
  self_comment: z.string().nullable().optional(),
  self_evaluation: z.string().nullable().optional(),
});

/** An object OK SKY documents no fields for (Customer, User, MessageEvent): only its id is checked. */
export const okskyObjectSchema = looseObject({ id: okskyInt });

/** Every delivery: `{ action, object_name, object }`; the event name is `<object_name>.<action>`. */
export const okskyEnvelopeSchema = looseObject({
  action: z.string().min(1),
  object_name: z.string().min(1),
  object: looseObject({}),
});

function event<N extends string, A extends string, O extends z.ZodType>(objectName: N, action: A, object: O) {
  return okskyEnvelopeSchema.extend({ action: z.literal(action), object_name: z.literal(objectName), object });
}

/**
 * Every event OK SKY documents, by `<object_name>.<action>`, with the schema of the whole
 * delivery. The docs name the actions `create` and `update`; any other pair (a `destroy`,
 * an object added later) reaches `onAny` as an unknown event.
 */
export const okskyEventSchemas = {
  "Message.create": event("Message", "create", okskyMessageSchema),
  "Message.update": event("Message", "update", okskyMessageSchema),
  "Room.create": event("Room", "create", okskyRoomSchema),
  "Room.update": event("Room", "update", okskyRoomSchema),
  /** A support started. */
  "Support.create": event("Support", "create", okskySupportSchema),
  /** A support changed or ended (`end_time` set). */
  "Support.update": event("Support", "update", okskySupportSchema),
  "Customer.create": event("Customer", "create", okskyObjectSchema),
  "Customer.update": event("Customer", "update", okskyObjectSchema),
  "User.create": event("User", "create", okskyObjectSchema),
  "User.update": event("User", "update", okskyObjectSchema),
  "MessageEvent.create": event("MessageEvent", "create", okskyObjectSchema),
  "MessageEvent.update": event("MessageEvent", "update", okskyObjectSchema),
} as const;

export type OkskyEventSchemas = typeof okskyEventSchemas;
export type OkskyEventName = keyof OkskyEventSchemas;
/** Payload type of each OK SKY event, by name. */
export type OkskyPayloads = { [K in OkskyEventName]: z.output<OkskyEventSchemas[K]> };
export type OkskyMessage = z.output<typeof okskyMessageSchema>;
export type OkskyRoom = z.output<typeof okskyRoomSchema>;
export type OkskySupport = z.output<typeof okskySupportSchema>;
export type OkskyObject = z.output<typeof okskyObjectSchema>;
export type OkskyEnvelope = z.output<typeof okskyEnvelopeSchema>;
