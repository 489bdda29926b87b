import express from "express";
import request from "supertest";
import type { WebhookError } from "../../lib/core/errors.js";
import type { WebhookEventBase } from "../../lib/core/types.js";
import { createOkskyReceiver, OKSKY_SECRET_HEADER, okskyProtocol, type OkskyPayloads } from "../../lib/providers/oksky/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { okskyDelivery, okskyEventNames, okskySampleLayouts, okskyPayload } from "../../lib/testing/samples/oksky.js";

const SECRET = "oksky-secret";

function setup(options: Parameters<typeof createOkskyReceiver>[0] = { secret: SECRET }) {
  const receiver = createOkskyReceiver(options);
  const events: WebhookEventBase[] = [];
  const errors: WebhookError[] = [];
  receiver.onAny((event) => {
    events.push(event);
  });
  receiver.onError((error) => {
    errors.push(error);
  });
  return { receiver, events, errors };
}

const send = (receiver: ReturnType<typeof createOkskyReceiver>, delivery: Delivery) =>
  receiver.receive({ method: delivery.method, headers: delivery.headers, body: delivery.body });

const combinations = okskySampleLayouts;

// What a nested form cannot carry: null free text arrives as "", and the undocumented
// Room settings hold text. Everything the schemas type comes back as sent.
const FREE_TEXT = ["content", "description", "room_code", "self_comment", "self_evaluation"];
function asNestedFormCarries(payload: OkskyPayloads[keyof OkskyPayloads]): unknown {
  const object: Record<string, unknown> = { ...payload.object };
  for (const key of FREE_TEXT) if (object[key] === null) object[key] = "";
  if (payload.object_name === "Room") {
    object.settings = Object.fromEntries(Object.entries(object.settings as object).map(([key, value]) => [key, String(value)]));
  }
  return { ...payload, object };
}

describe("every known event in every content type and layout", () => {
  const cases = okskyEventNames.flatMap((name) => combinations.map(([type, layout]) => [name, type, layout] as const));

  test.each(cases)("%s as %s (%s)", async (name, contentType, layout) => {
    const { receiver, events, errors } = setup();
    const seen: unknown[] = [];
    receiver.on(name, (event) => {
      seen.push(event.payload);
    });
    const delivery = okskyDelivery(name, { secret: SECRET, contentType, layout });
    const response = await send(receiver, delivery);

    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
    const expected = layout === "nested" ? asNestedFormCarries(delivery.payload) : delivery.payload;
    expect(seen[0]).toEqual(expected);
    const [event] = events;
    expect(event).toMatchObject({ provider: "oksky", name, known: true, id: undefined });
    expect(typeof (event!.payload as { object: { id: unknown } }).object.id).toBe("number");
    expect(event!.meta).toEqual({
      params: {},
      subdomain: "example",
      userAgent: "Oksky-Hookshot/example",
      ...(layout === "jsonapi" ? { original: JSON.parse(String(delivery.body)) } : {}),
    });
  });
});

describe("coercion of form values", () => {
  test("a nested urlencoded Message reads ids as numbers and empty ids as null", async () => {
    const { receiver, errors } = setup();
    let object: OkskyPayloads["Message.create"]["object"] | undefined;
    receiver.on("Message.create", (event) => {
      object = event.payload.object;
    });
    const body =
      "action=create&object_name=Message&object[id]=10305&object[room_id]=3157&object[user_id]=1421&object[content]=hi" +
      "&object[kind]=text&object[created_at]=2017-09-20T18%3A48%3A21.797%2B09%3A00&object[updated_at]=2017-09-20T18%3A48%3A21.797%2B09%3A00" +
      "&object[drive_id]=&object[stamp_id]=&object[deleted_at]=&object[tags][]=vip&object[settings][alt]=a.jpg";
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", [OKSKY_SECRET_HEADER]: SECRET },
      body: Buffer.from(body),
    });
    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(object).toMatchObject({
      id: 10305,
      room_id: 3157,
      user_id: 1421,
      content: "hi",
      drive_id: null,
      stamp_id: null,
      deleted_at: null,
      tags: ["vip"],
      settings: { alt: "a.jpg" },
      info: {},
    });
    expect(object?.created_at).toBe("2017-09-20T18:48:21.797+09:00");
  });

  test("Room booleans and Support times from a multipart form", async () => {
    const { receiver, errors } = setup();
    const rooms: OkskyPayloads["Room.update"]["object"][] = [];
    const supports: OkskyPayloads["Support.create"]["object"][] = [];
    receiver.on("Room.update", (event) => {
      rooms.push(event.payload.object);
    });
    receiver.on("Support.create", (event) => {
      supports.push(event.payload.object);
    });
    await send(
      receiver,
      okskyDelivery("Room.update", { secret: SECRET, contentType: "multipart/form-data", overrides: { object: { enabled: true } } }),
    );
    await send(receiver, okskyDelivery("Support.create", { secret: SECRET, contentType: "multipart/form-data" }));
    expect(errors).toEqual([]);
    expect(rooms[0]).toMatchObject({
      is_private: false,
      enabled: true,
      awaiting_support: false,
      external_service_id: null,
      client_id: 1,
      latest_message_id: 1384,
    });
    expect(supports[0]).toMatchObject({ end_time: null, user_id: 1, room_id: 615 });
  });

  test("a number that is not an integer is an invalid payload, not a silent guess", async () => {
    const { receiver, events, errors } = setup();
    const body =
      "action=create&object_name=Support&object[id]=1.5&object[room_id]=2&object[start_time]=&object[end_time]=&object[created_at]=x&object[updated_at]=x&object[user_id]=3";
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-oksky-secret-token": SECRET },
      body,
    });
    expect(response.status).toBe(200);
    expect(events).toEqual([]);
    expect(errors[0]?.code).toBe("invalid_payload");
    expect(errors[0]?.issues?.map((issue) => issue.path)).toEqual([["object", "id"]]);
  });
});

describe("authentication", () => {
  test("a wrong secret is refused with 401 and dispatches nothing", async () => {
    const { receiver, events, errors } = setup();
    const response = await send(receiver, okskyDelivery("Message.create", { secret: "wrong" }));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: "signature_mismatch" });
    expect(response.body).not.toContain(SECRET);
    expect(events).toEqual([]);
    expect(errors.map((error) => error.code)).toEqual(["signature_mismatch"]);
  });

  test("a missing secret is refused with 401", async () => {
    const { receiver, events } = setup();
    const response = await send(receiver, okskyDelivery("Message.create"));
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body)).toMatchObject({ error: "signature_missing" });
    expect(events).toEqual([]);
  });

  test("several secrets are accepted at once for rotation", async () => {
    const { receiver, events } = setup({ secret: ["old-secret", "new-secret"] });
    expect((await send(receiver, okskyDelivery("Room.update", { secret: "old-secret" }))).status).toBe(200);
    expect((await send(receiver, okskyDelivery("Room.update", { secret: "new-secret" }))).status).toBe(200);
    expect((await send(receiver, okskyDelivery("Room.update", { secret: "older-secret" }))).status).toBe(401);
    expect(events).toHaveLength(2);
  });

  test("a receiver without a secret refuses to start unless told so", () => {
    // @ts-expect-error -- no secret is a compile error; this checks the start-up error JavaScript callers get
    expect(() => createOkskyReceiver({})).toThrow(/createOkskyReceiver: set secret/);
    expect(() => createOkskyReceiver({ secret: "" })).toThrow(/option "secret" must be a non-empty string/);
    expect(() => createOkskyReceiver({ allowUnauthenticated: true })).not.toThrow();
  });
});

describe("refusals and the always-200 policy", () => {
  test("text/xml is refused with 415", async () => {
    const { receiver } = setup();
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "text/xml", "x-oksky-secret-token": SECRET },
      body: "<action>create</action>",
    });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.body)).toMatchObject({ error: "unsupported_media_type" });
  });

  test("malformed JSON is refused with 400", async () => {
    const { receiver, errors } = setup();
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/json", "x-oksky-secret-token": SECRET },
      body: '{"action":"create",',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ error: "malformed_body" });
    expect(errors.map((error) => error.code)).toEqual(["malformed_body"]);
  });

  test("an invalid payload is acknowledged 200 and reported with its issues and raw payload", async () => {
    const { receiver, events, errors } = setup();
    const listener = jest.fn();
    receiver.on("Message.create", listener);
    const delivery = okskyDelivery("Message.create", { secret: SECRET, overrides: { object: { room_id: "room-1" } } });
    const response = await send(receiver, delivery);
    expect(response.status).toBe(200);
    expect(listener).not.toHaveBeenCalled();
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toMatchObject({ code: "invalid_payload", provider: "oksky" });
    expect(error!.issues?.[0]?.path).toEqual(["object", "room_id"]);
    expect(error!.payload).toEqual(JSON.parse(String(delivery.body)));
    expect(error!.event?.name).toBe("Message.create");
  });

  test("a listener that throws still gets 200; onError carries the whole event", async () => {
    const { receiver, errors } = setup();
    const failure = new Error("database down");
    receiver.on("Support.update", () => {
      throw failure;
    });
    const delivery = okskyDelivery("Support.update", { secret: SECRET, contentType: "application/x-www-form-urlencoded" });
    const response = await send(receiver, delivery);
    expect(response.status).toBe(200);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toMatchObject({ code: "handler_failed", cause: failure });
    expect(error!.event).toMatchObject({ name: "Support.update", provider: "oksky", known: true, meta: { subdomain: "example" } });
    expect(error!.event?.payload).toEqual(asNestedFormCarries(delivery.payload));
  });

  test("a slow listener does not hold the answer past dispatchTimeoutMs", async () => {
    const { receiver, errors } = setup({ secret: SECRET, dispatchTimeoutMs: 20 });
    let release: () => void = () => {};
    receiver.on("Room.create", () => new Promise<void>((resolve) => (release = resolve)));
    const response = await send(receiver, okskyDelivery("Room.create", { secret: SECRET }));
    expect(response.status).toBe(200);
    expect(errors.map((error) => error.code)).toEqual(["dispatch_timeout"]);
    release();
  });

  test("an unknown event reaches onAny unvalidated and is acknowledged", async () => {
    const { receiver, events, errors } = setup();
    const body = JSON.stringify({ action: "destroy", object_name: "MessageProvider", object: { id: "mp-1", anything: [1] } });
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/json", "x-oksky-secret-token": SECRET, "x-oksky-app-subdomain": "acme" },
      body,
    });
    expect(response.status).toBe(200);
    expect(errors).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        name: "MessageProvider.destroy",
        known: false,
        payload: JSON.parse(body),
        meta: expect.objectContaining({ subdomain: "acme" }),
      }),
    ]);
  });

  test("a body that is no envelope at all is refused as invalid_envelope", async () => {
    const { receiver, errors } = setup();
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", "x-oksky-secret-token": SECRET },
      body: "hello=world",
    });
    expect(response.status).toBe(400);
    expect(errors.map((error) => error.code)).toEqual(["invalid_envelope"]);
  });

  test("dedupe is off: OK SKY sends no delivery id and never resends", async () => {
    const { receiver, events } = setup();
    const delivery = okskyDelivery("Message.create", { secret: SECRET });
    await send(receiver, delivery);
    const again = await send(receiver, delivery);
    expect(JSON.parse(again.body)).toEqual({ ok: true });
    expect(events).toHaveLength(2);
    expect(okskyProtocol).toMatchObject({ resends: false, dedupeByDefault: false, dispatchTimeoutMs: 4000 });
  });
});

describe("meta and charset", () => {
  test("meta carries the tenant subdomain and User-Agent", async () => {
    const { receiver, events } = setup();
    await send(receiver, okskyDelivery("User.create", { secret: SECRET, subdomain: "acme-shop" }));
    expect(events[0]?.meta).toEqual({ subdomain: "acme-shop", userAgent: "Oksky-Hookshot/acme-shop", params: {} });
  });

  test("a Shift_JIS urlencoded body is decoded by its charset", async () => {
    const { receiver, errors } = setup();
    const contents: (string | null)[] = [];
    receiver.on("Message.create", (event) => {
      contents.push(event.payload.object.content);
    });
    // "テスト" in Shift_JIS is 83 65 83 58 83 67.
    const body =
      "action=create&object_name=Message&object[id]=1&object[room_id]=2&object[user_id]=3&object[content]=%83e%83X%83g" +
      "&object[kind]=text&object[created_at]=2021-01-01T00%3A00%3A00%2B09%3A00&object[updated_at]=2021-01-01T00%3A00%3A00%2B09%3A00";
    const response = await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded; charset=Shift_JIS", "x-oksky-secret-token": SECRET },
      body: Buffer.from(body, "latin1"),
    });
    expect(errors).toEqual([]);
    expect(response.status).toBe(200);
    expect(contents).toEqual(["テスト"]);
  });
});

describe("behind Express", () => {
  function appWith(receiver: ReturnType<typeof createOkskyReceiver>, globalParsers: boolean) {
    const app = express();
    if (globalParsers) app.use(express.json(), express.urlencoded({ extended: false }));
    app.use("/hooks/oksky", receiver.router);
    return app;
  }

  test.each([false, true])("every content type works (global express.json/urlencoded: %s)", async (globalParsers) => {
    const { receiver, events, errors } = setup();
    const app = appWith(receiver, globalParsers);
    const deliveries = combinations.map(([contentType, layout]) =>
      okskyDelivery("Message.create", { secret: SECRET, contentType, layout }),
    );
    for (const delivery of deliveries) {
      const response = await request(app).post("/hooks/oksky").set(delivery.headers).send(delivery.body);
      expect(response.status).toBe(200);
    }
    expect(errors).toEqual([]);
    expect(events.map((event) => (event.payload as { object: { id: unknown } }).object.id)).toEqual(
      deliveries.map((d) => d.payload.object.id),
    );
    expect(events.map((event) => (event.payload as { object: { content: unknown } }).object.content)).toEqual(
      deliveries.map(() => "テストメッセージその１"),
    );
  });

  test("a wrong secret is refused with 401 through the router", async () => {
    const { receiver } = setup();
    const delivery = okskyDelivery("Room.update", { secret: "nope" });
    const response = await request(appWith(receiver, true)).post("/hooks/oksky").set(delivery.headers).send(delivery.body);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ error: "signature_mismatch" });
  });
});

describe("typing", () => {
  test("listeners get typed payloads without casts", () => {
    const receiver = createOkskyReceiver({ secret: SECRET });
    receiver.on("Message.create", (event) => {
      const content: string | null = event.payload.object.content;
      const roomId: number = event.payload.object.room_id;
      const action: "create" = event.payload.action;
      const subdomain: string | undefined = event.meta.subdomain;
      return [content, roomId, action, subdomain];
    });
    receiver.on(["Room.create", "Room.update"], (event) => event.payload.object.is_private);
    // @ts-expect-error not a known event: use onAny
    expect(() => receiver.on("Message.destroy", () => {})).toThrow(TypeError);
  });
});

describe("sample builder", () => {
  test("gives fresh ids per call and refuses a layout its content type cannot carry", () => {
    expect(okskyPayload("Message.create").object.id).not.toBe(okskyPayload("Message.create").object.id);
    expect(() => okskyDelivery("Message.create", { layout: "nested" })).toThrow(TypeError);
    expect(() => okskyDelivery("Message.create", { contentType: "application/x-www-form-urlencoded", layout: "payload-file" })).toThrow(
      TypeError,
    );
  });
});
