import { decodeText } from "../../core/request/content-types/decode-text.js";
import { isUploadedFile } from "../../core/request/content-types/multipart.js";
import type { BodyFormat } from "../../core/request/content-types/parse-body.js";
import { stripUnsafeKeys } from "../../core/request/content-types/safe-keys.js";

/** A JSON:API document (`application/vnd.api+json`) holding one resource. */
export interface OkskyJsonApiDocument {
  data: {
    type: string;
    id?: string | number;
    attributes?: Record<string, unknown>;
    relationships?: Record<string, unknown>;
    meta?: Record<string, unknown>;
    [key: string]: unknown;
  };
  meta?: Record<string, unknown>;
  action?: string;
  [key: string]: unknown;
}

/** A body brought to the `{ action, object_name, object }` envelope. */
export interface NormalizedOkskyBody {
  payload: unknown;
  /** The JSON:API document the envelope was made from, if it was one. */
  original: OkskyJsonApiDocument | undefined;
}

/** Form fields tried first for a JSON envelope held in one field, in this order. */
const PAYLOAD_FIELDS = ["payload", "json", "data", "body"];

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isUploadedFile(value);
}

function isEnvelope(value: unknown): value is Json {
  return isRecord(value) && typeof value.action === "string" && typeof value.object_name === "string";
}

function isJsonApiDocument(value: unknown): value is OkskyJsonApiDocument {
  return isRecord(value) && isRecord(value.data) && typeof value.data.type === "string";
}

/** A JSON object held in a form field or file part, or undefined if it holds none. */
function decodeJsonField(value: unknown): unknown {
  let text: string;
  if (typeof value === "string") text = value;
  else if (isUploadedFile(value)) {
    try {
      text = decodeText(value.data); // JSON is UTF-8 (RFC 8259); the decoder drops a BOM.
    } catch {
      return undefined;
    }
  } else return undefined;
  text = text.trim();
  if (!text.startsWith("{")) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    stripUnsafeKeys(parsed);
    return parsed;
  } catch {
    return undefined;
  }
}

/** "123" → 123 where the id is a safe integer; anything else stays as it is. */
function idValue(id: unknown): unknown {
  return typeof id === "string" && /^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : id;
}

function snakeCase(name: string): string {
  return name
    .replace(/-/g, "_")
    .replace(/([a-z\d])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

function singular(word: string): string {
  if (/ies$/i.test(word)) return `${word.slice(0, -3)}y`;
  if (/(?:ss|us|is)$/i.test(word)) return word;
  if (/(?:x|ch|sh|ss|us)es$/i.test(word)) return word.slice(0, -2);
  return word.endsWith("s") ? word.slice(0, -1) : word;
}

/**
 * A JSON:API resource type as an OK SKY object name: `messages` → `Message`,
 * `message_events` (or `message-events`, `messageEvents`) → `MessageEvent`, `Room` → `Room`.
 */
export function objectNameOfType(type: string): string {
  const words = type
    .replace(/([a-z\d])([A-Z])/g, "$1 $2")
    .split(/[\s_-]+/)
    .filter(Boolean);
  const last = words.pop();
  if (last !== undefined) words.push(singular(last));
  return words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join("");
}

/** To-one relationships as `<name>_id` fields: `room: { data: { id: "3" } }` → `room_id: 3`. */
function relationshipIds(relationships: unknown): Json {
  const ids: Json = {};
  if (!isRecord(relationships)) return ids;
  for (const [name, relationship] of Object.entries(relationships)) {
    if (!isRecord(relationship) || !("data" in relationship)) continue;
    const { data } = relationship;
    if (data === null) ids[`${snakeCase(name)}_id`] = null;
    else if (isRecord(data) && (typeof data.id === "string" || typeof data.id === "number"))
      ids[`${snakeCase(name)}_id`] = idValue(data.id);
  }
  return ids;
}

function firstString(...values: unknown[]): string | undefined {
  return values.find((value): value is string => typeof value === "string" && value !== "");
}

/**
 * A JSON:API document as the envelope OK SKY documents:
 * - `object_name`: a top-level `object_name`, else from `data.type` ({@link objectNameOfType});
 * - `action`: `meta.action`, `data.meta.action`, `data.attributes.action` or a top-level `action`;
 * - `object`: `{ id, ...<name>_id of each to-one relationship, ...attributes }`, `id` a number
 *   when numeric, attributes winning over relationships, an `action` attribute left out
 *   when it is the one naming the event.
 */
export function envelopeFromJsonApi(document: OkskyJsonApiDocument): Json {
  const { data } = document;
  const { action: actionAttribute, ...attributes } = isRecord(data.attributes) ? data.attributes : {};
  const documentMeta = isRecord(document.meta) ? document.meta : {};
  const resourceMeta = isRecord(data.meta) ? data.meta : {};
  const action = firstString(documentMeta.action, resourceMeta.action, actionAttribute, document.action);
  const object: Json = {
    ...(data.id === undefined ? {} : { id: idValue(data.id) }),
    ...relationshipIds(data.relationships),
    ...attributes,
  };
  if (actionAttribute !== undefined && action !== actionAttribute) object.action = actionAttribute;
  const objectName = firstString(document.object_name) ?? objectNameOfType(data.type);
  return { ...(action === undefined ? {} : { action }), object_name: objectName, object };
}

/** An envelope, or a JSON:API document turned into one; undefined for anything else. */
function asEnvelope(value: unknown): NormalizedOkskyBody | undefined {
  // A document may carry `action` and `object_name` at the top beside `data`.
  if (isJsonApiDocument(value) && !("object" in value)) return { payload: envelopeFromJsonApi(value), original: value };
  if (isEnvelope(value)) {
    // `object=<json>` beside nested keys: be liberal, read it as the object.
    const object = typeof value.object === "string" ? decodeJsonField(value.object) : undefined;
    return { payload: isRecord(object) ? { ...value, object } : value, original: undefined };
  }
  return undefined;
}

function fieldsInTryOrder(form: Json): string[] {
  const keys = Object.keys(form);
  return [...PAYLOAD_FIELDS.filter((key) => keys.includes(key)), ...keys.filter((key) => !PAYLOAD_FIELDS.includes(key))];
}

/**
 * Brings any body OK SKY may send to the `{ action, object_name, object }` envelope.
 * Only the JSON envelope is documented; the rest is read liberally:
 * - JSON (`application/json`, `application/vnd.api+json`): the envelope, or a JSON:API
 *   document (`{ data: { type, id, attributes, relationships? } }`, see {@link envelopeFromJsonApi});
 * - forms (urlencoded, multipart): Rails-style nested keys (`action=create&object_name=Message
 *   &object[id]=1`, already expanded by the core), or one field holding the JSON envelope or
 *   document: `payload`, `json`, `data` or `body` first, then any other field; in multipart
 *   the field may be a file part with JSON content.
 * Anything else is returned as it is, for the envelope check to refuse.
 */
export function normalizeOkskyBody(body: unknown, format: BodyFormat): NormalizedOkskyBody {
  const direct = asEnvelope(body);
  if (direct) return direct;
  if (format !== "json" && isRecord(body)) {
    for (const key of fieldsInTryOrder(body)) {
      const found = asEnvelope(decodeJsonField(body[key]));
      if (found) return found;
    }
  }
  return { payload: body, original: undefined };
}
