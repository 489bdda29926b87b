import { randomBytes } from "node:crypto";
import type { OkskyJsonApiDocument } from "../../providers/oksky/normalize.js";
import { OKSKY_SECRET_HEADER } from "../../providers/oksky/protocol.js";
import { loose, type Loose } from "../../core/loose.js";
import type { z } from "zod";
import type {
  OkskyEventName,
  OkskyEventSchemas,
  OkskyMessage,
  OkskyObject,
  OkskyPayloads,
  OkskyRoom,
  OkskySupport,
} from "../../providers/oksky/schema.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { applyOverrides, type OverrideOptions } from "../overrides.js";
import { encodeMultipart, encodeUrlencoded, toFormFields, type SampleContentType } from "../encode.js";

// Objects as OK SKY's docs show them (OKSKY/oksky-docs webhook/events); ids are fresh per call.
const message = (id: number): OkskyMessage => ({
  id,
  room_id: 3157,
  content: "テストメッセージその１",
  user_id: 1421,
  created_at: "2017-09-20T18:48:21.797+09:00",
  updated_at: "2017-09-20T18:48:21.797+09:00",
  kind: "text",
  settings: {},
  status: "posted",
  posted_at: "2017-09-20T18:48:21.789+09:00",
  drive_id: null,
  info: {},
  stamp_id: null,
  deleted_at: null,
  tags: [],
});

const room = (id: number): OkskyRoom => ({
  id,
  name: "mantis-dazzling-twig-ewHBENNRs04",
  created_at: "2021-03-17T14:27:04.386+09:00",
  updated_at: "2021-03-17T14:27:55.311+09:00",
  create_user_id: 689,
  description: null,
  is_private: false,
  settings: { message_classify: true, message_dialog: false },
  kind: "support_room",
  enabled: null,
  client_id: 1,
  external_service_id: null,
  room_code: null,
  awaiting_support: false,
  helped_room_id: null,
  latest_message_id: 1384,
});

const support = (id: number): OkskySupport => ({
  id,
  room_id: 615,
  start_time: "2021-04-16T13:42:53.282+09:00",
  end_time: null,
  created_at: "2021-04-16T13:42:53.284+09:00",
  updated_at: "2021-04-16T13:42:53.284+09:00",
  user_id: 1,
  self_comment: null,
  self_evaluation: null,
});

// Undocumented objects: only `id` is known, so the samples carry text fields besides it.
const customer = (id: number): Loose<OkskyObject> => ({ id, name: "山田 太郎", created_at: "2021-04-16T13:40:00.000+09:00" });
const user = (id: number): Loose<OkskyObject> => ({ id, name: "佐藤 花子", created_at: "2021-04-16T13:40:00.000+09:00" });
const messageEvent = (id: number): Loose<OkskyObject> => ({ id, kind: "read", created_at: "2021-04-16T13:45:00.000+09:00" });

const objects: { [K in OkskyEventName]: (id: number) => OkskyPayloads[K]["object"] } = {
  "Message.create": message,
  "Message.update": (id) => ({ ...message(id), content: "テストメッセージ（編集済み）", updated_at: "2017-09-20T18:50:02.112+09:00" }),
  "Room.create": (id) => ({ ...room(id), updated_at: "2021-03-17T14:27:04.386+09:00", latest_message_id: null }),
  "Room.update": room,
  "Support.create": support,
  "Support.update": (id) => ({
    ...support(id),
    end_time: "2021-04-16T14:02:10.517+09:00",
    updated_at: "2021-04-16T14:02:10.520+09:00",
    self_comment: "ご案内完了",
    self_evaluation: "good",
  }),
  "Customer.create": customer,
  "Customer.update": customer,
  "User.create": user,
  "User.update": user,
  "MessageEvent.create": messageEvent,
  "MessageEvent.update": messageEvent,
};

/** Every event name OK SKY documents. */
export const okskyEventNames = Object.keys(objects) as OkskyEventName[];

let lastId = 100_000 + randomBytes(2).readUInt16BE();

/** A sample payload of an OK SKY event, with a fresh `object.id`. */
export function okskyPayload<K extends OkskyEventName>(event: K): OkskyPayloads[K] {
  const [objectName, action] = event.split(".") as [string, string];
  return { action, object_name: objectName, object: objects[event]((lastId += 1)) } as OkskyPayloads[K];
}

/**
 * How the envelope is laid out in the body. Only `envelope` (JSON) is documented; the
 * others are the layouts the receiver also accepts:
 * - `envelope`: the JSON envelope (JSON types);
 * - `jsonapi`: a JSON:API document, `{ data: { type, id, attributes, relationships }, meta: { action } }` (JSON types);
 * - `nested`: Rails-style form keys, `object[id]=1` (forms);
 * - `payload-field`: one form field `payload` holding the JSON envelope (forms);
 * - `payload-file`: one file part `payload` (`payload.json`) holding it (multipart).
 */
export type OkskySampleLayout = "envelope" | "jsonapi" | "nested" | "payload-field" | "payload-file";

export interface OkskyDeliveryOptions<K extends OkskyEventName> extends OverrideOptions<z.input<OkskyEventSchemas[K]>> {
  /** The secret to send; omit for none. */
  secret?: string;
  /** @default "application/json" */
  contentType?: SampleContentType;
  /** @default "envelope" for JSON types, "nested" for forms */
  layout?: OkskySampleLayout;
  /** The tenant, sent as `X-Oksky-App-Subdomain` and in the User-Agent. @default "example" */
  subdomain?: string;
}

/** The layouts that fit each content type, the default first. */
const LAYOUTS: Record<SampleContentType, readonly [OkskySampleLayout, ...OkskySampleLayout[]]> = {
  "application/json": ["envelope", "jsonapi"],
  "application/vnd.api+json": ["envelope", "jsonapi"],
  "application/x-www-form-urlencoded": ["nested", "payload-field"],
  "multipart/form-data": ["nested", "payload-field", "payload-file"],
};

/** Every content type and layout OK SKY deliveries can take, for tests that try them all. */
export const okskySampleLayouts: readonly (readonly [SampleContentType, OkskySampleLayout])[] = Object.entries(LAYOUTS).flatMap(
  ([contentType, layouts]) => layouts.map((layout) => [contentType as SampleContentType, layout] as const),
);

/** `MessageEvent` → `message_events`, the JSON:API type naming of OK SKY's resources API. */
function resourceType(objectName: string): string {
  return `${objectName.replace(/([a-z\d])([A-Z])/g, "$1_$2").toLowerCase()}s`;
}

/** The envelope as a JSON:API document; `room_id`/`user_id` become relationships, as in OK SKY's resources API. */
export function okskyJsonApiDocument(payload: { action: string; object_name: string; object: OkskyObject }): OkskyJsonApiDocument {
  const { id, ...fields } = loose(payload.object);
  const relationships: Record<string, unknown> = {};
  for (const name of ["room", "user"]) {
    const key = `${name}_id`;
    if (!(key in fields)) continue;
    const value = fields[key];
    relationships[name] = { data: typeof value === "number" ? { type: `${name}s`, id: String(value) } : null };
  }
  const attributes = Object.fromEntries(Object.entries(fields).filter(([key]) => key !== "room_id" && key !== "user_id"));
  return { data: { type: resourceType(payload.object_name), id: String(id), attributes, relationships }, meta: { action: payload.action } };
}

function multipartWithFile(name: string, filename: string, json: string): { body: Buffer; contentType: string } {
  const boundary = `----oksky${randomBytes(12).toString("hex")}`;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/json\r\n\r\n`;
  return { body: Buffer.from(`${head}${json}\r\n--${boundary}--\r\n`, "utf8"), contentType: `multipart/form-data; boundary=${boundary}` };
}

function encode(
  payload: OkskyPayloads[OkskyEventName],
  contentType: SampleContentType,
  layout: OkskySampleLayout,
): { body: string | Buffer; contentType: string } {
  const json = JSON.stringify(layout === "jsonapi" ? okskyJsonApiDocument(payload) : payload);
  if (layout === "envelope" || layout === "jsonapi") return { body: json, contentType };
  if (layout === "payload-file") return multipartWithFile("payload", "payload.json", json);
  const fields: [string, string][] = layout === "payload-field" ? [["payload", json]] : toFormFields(payload);
  return contentType === "multipart/form-data" ? encodeMultipart(fields) : { body: encodeUrlencoded(fields), contentType };
}

/**
 * An OK SKY delivery as OK SKY sends it: its `X-Oksky-*` headers, `User-Agent:
 * Oksky-Hookshot/<domain>`, and the body in the chosen content type and layout.
 * `payload` is what listeners receive.
 */
export function okskyDelivery<K extends OkskyEventName>(event: K, options: OkskyDeliveryOptions<K> = {}): Delivery<OkskyPayloads[K]> {
  const contentType = options.contentType ?? "application/json";
  const layout = options.layout ?? LAYOUTS[contentType][0];
  if (!LAYOUTS[contentType].includes(layout)) {
    throw new TypeError(`okskyDelivery: layout "${layout}" does not fit ${contentType} (use ${LAYOUTS[contentType].join(", ")}).`);
  }
  const payload = applyOverrides(okskyPayload(event), options);
  const subdomain = options.subdomain ?? "example";
  const headers: Record<string, string> = { "user-agent": `Oksky-Hookshot/${subdomain}`, "x-oksky-app-subdomain": subdomain };
  if (options.secret !== undefined) headers[OKSKY_SECRET_HEADER.toLowerCase()] = options.secret;
  return makeDelivery(payload, contentType, headers, encode(payload, contentType, layout));
}
