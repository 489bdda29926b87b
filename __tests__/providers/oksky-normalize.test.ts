import {
  createOkskyReceiver,
  envelopeFromJsonApi,
  normalizeOkskyBody,
  objectNameOfType,
  okskyBoolean,
  okskyEventSchemas,
  okskyInt,
  okskyNullable,
} from "../../lib/providers/oksky/index.js";
import type { UploadedFile } from "../../lib/core/request/content-types/multipart.js";

const envelope = { action: "create", object_name: "Message", object: { id: 1, content: "hi" } };

describe("objectNameOfType", () => {
  test.each([
    ["messages", "Message"],
    ["rooms", "Room"],
    ["supports", "Support"],
    ["customers", "Customer"],
    ["users", "User"],
    ["message_events", "MessageEvent"],
    ["message-events", "MessageEvent"],
    ["messageEvents", "MessageEvent"],
    ["MessageEvent", "MessageEvent"],
    ["Message", "Message"],
    ["companies", "Company"],
    ["statuses", "Status"],
    ["status", "Status"],
  ])("%s → %s", (type, name) => {
    expect(objectNameOfType(type)).toBe(name);
  });
});

describe("envelopeFromJsonApi", () => {
  test("maps type, numeric id, attributes and to-one relationships; meta.action names the action", () => {
    const document = {
      data: {
        type: "messages",
        id: "10305",
        attributes: { content: "hi", kind: "text" },
        relationships: {
          room: { data: { type: "rooms", id: "3157" } },
          user: { data: null },
          "create-user": { data: { type: "users", id: "u-7" } },
          tags: { data: [{ type: "tags", id: "1" }] },
          links_only: { links: { self: "https://example.ok-sky.com/x" } },
        },
      },
      meta: { action: "create" },
    };
    expect(envelopeFromJsonApi(document)).toEqual({
      action: "create",
      object_name: "Message",
      object: { id: 10305, room_id: 3157, user_id: null, create_user_id: "u-7", content: "hi", kind: "text" },
    });
  });

  test("takes the action from data.meta, then attributes (left out of the object), then the top level", () => {
    expect(envelopeFromJsonApi({ data: { type: "rooms", id: "1", meta: { action: "update" } } }).action).toBe("update");
    const fromAttributes = envelopeFromJsonApi({ data: { type: "rooms", id: "1", attributes: { action: "update", name: "r" } } });
    expect(fromAttributes).toEqual({ action: "update", object_name: "Room", object: { id: 1, name: "r" } });
    expect(envelopeFromJsonApi({ data: { type: "rooms", id: "1" }, action: "create" }).action).toBe("create");
    expect(envelopeFromJsonApi({ data: { type: "rooms", id: "1" } })).toEqual({ object_name: "Room", object: { id: 1 } });
  });

  test("attributes win over relationships; a non-numeric id stays a string; object_name beside data wins", () => {
    const result = envelopeFromJsonApi({
      data: { type: "things", id: "abc", attributes: { room_id: 9 }, relationships: { room: { data: { type: "rooms", id: "1" } } } },
      object_name: "Customer",
      meta: { action: "update" },
    });
    expect(result).toEqual({ action: "update", object_name: "Customer", object: { id: "abc", room_id: 9 } });
  });
});

describe("normalizeOkskyBody", () => {
  const file = (text: string): UploadedFile => ({
    filename: "p.json",
    mimeType: "application/json",
    encoding: "7bit",
    data: Buffer.from(text, "utf8"),
  });

  test("a plain envelope passes through untouched", () => {
    expect(normalizeOkskyBody(envelope, "json")).toEqual({ payload: envelope, original: undefined });
  });

  test("a JSON:API document becomes the envelope and is kept as the original", () => {
    const document = { data: { type: "messages", id: "1", attributes: { content: "hi" } }, meta: { action: "create" } };
    expect(normalizeOkskyBody(document, "json")).toEqual({ payload: envelope, original: document });
  });

  test.each(["payload", "json", "data", "body", "webhook"])("a form field %s holding the JSON envelope", (field) => {
    const result = normalizeOkskyBody({ [field]: JSON.stringify(envelope) }, "urlencoded");
    expect(result.payload).toEqual(envelope);
  });

  test("the named fields are tried before others, and fields holding no envelope are skipped", () => {
    const other = { ...envelope, action: "update" };
    const body = { note: "{not json", extra: JSON.stringify({ a: 1 }), webhook: JSON.stringify(other), payload: JSON.stringify(envelope) };
    expect(normalizeOkskyBody(body, "multipart").payload).toEqual(envelope);
    delete (body as Partial<typeof body>).payload;
    expect(normalizeOkskyBody(body, "multipart").payload).toEqual(other);
  });

  test("a multipart file part holding the envelope (with a BOM) or a JSON:API document", () => {
    expect(normalizeOkskyBody({ payload: file(`\uFEFF${JSON.stringify(envelope)}`) }, "multipart").payload).toEqual(envelope);
    const document = { data: { type: "messages", id: "1", attributes: { content: "hi" } }, meta: { action: "create" } };
    expect(normalizeOkskyBody({ file: file(JSON.stringify(document)) }, "multipart")).toEqual({ payload: envelope, original: document });
  });

  test("a file part that is not UTF-8 JSON is skipped", () => {
    const broken: UploadedFile = {
      filename: "p.json",
      mimeType: "application/json",
      encoding: "7bit",
      data: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
    };
    const body = { payload: broken };
    expect(normalizeOkskyBody(body, "multipart").payload).toBe(body);
  });

  test("nested keys with `object` as one JSON field are read as the object", () => {
    const body = { action: "create", object_name: "Message", object: JSON.stringify(envelope.object) };
    expect(normalizeOkskyBody(body, "urlencoded").payload).toEqual(envelope);
  });

  test("JSON bodies are not searched for fields; prototype keys in a field are dropped", () => {
    const wrapped = { payload: JSON.stringify(envelope) };
    expect(normalizeOkskyBody(wrapped, "json").payload).toBe(wrapped);
    const hostile = normalizeOkskyBody(
      { payload: '{"action":"create","object_name":"Message","object":{"id":1,"__proto__":{"x":1}}}' },
      "urlencoded",
    );
    expect(Object.keys((hostile.payload as { object: object }).object)).toEqual(["id"]);
  });

  test("anything else is returned as it is", () => {
    expect(normalizeOkskyBody({ hello: "world" }, "urlencoded").payload).toEqual({ hello: "world" });
    expect(normalizeOkskyBody([1, 2], "json").payload).toEqual([1, 2]);
  });
});

describe("coercing schemas", () => {
  test("okskyInt reads integers and integer strings only", () => {
    expect(okskyInt.parse(7)).toBe(7);
    expect(okskyInt.parse(" 42 ")).toBe(42);
    expect(okskyInt.parse("-3")).toBe(-3);
    for (const bad of ["1.5", "12a", "", 1.5, "99999999999999999999", true]) expect(okskyInt.safeParse(bad).success).toBe(false);
  });

  test("okskyBoolean reads booleans and their form spellings", () => {
    expect([true, false, "true", "false", "1", "0"].map((value) => okskyBoolean.parse(value))).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    expect(okskyBoolean.safeParse("yes").success).toBe(false);
  });

  test("okskyNullable reads an empty string as null", () => {
    const schema = okskyNullable(okskyInt);
    expect([null, "", "5", 5].map((value) => schema.parse(value))).toEqual([null, null, 5, 5]);
  });
});

test("ids OK SKY types as strings are read as strings, even sent as numbers", () => {
  const message = {
    id: 1,
    room_id: 2,
    content: null,
    user_id: 3,
    created_at: "t",
    updated_at: "t",
    kind: "image",
    drive_id: 2060,
    stamp_id: "",
  };
  const parsed = okskyEventSchemas["Message.create"].parse({ action: "create", object_name: "Message", object: message });
  expect(parsed.object).toMatchObject({ drive_id: "2060", stamp_id: null, settings: {}, info: {}, tags: [] });
});

test("a JSON:API message with action in attributes reaches its listener with meta.original", async () => {
  const receiver = createOkskyReceiver({ secret: "s" });
  const seen: unknown[] = [];
  receiver.on("MessageEvent.create", (event) => {
    seen.push([event.payload.object.id, event.meta.original?.data.type]);
  });
  const document = { data: { type: "message_events", id: "77", attributes: { action: "create", kind: "read" } } };
  const response = await receiver.receive({
    method: "POST",
    headers: { "content-type": "application/vnd.api+json", "x-oksky-secret-token": "s" },
    body: JSON.stringify(document),
  });
  expect(response.status).toBe(200);
  expect(seen).toEqual([[77, "message_events"]]);
});
