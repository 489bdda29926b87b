import express from "express";
import request from "supertest";
import type { WebhookError } from "../../lib/core/errors.js";
import type { ReceiverOptions } from "../../lib/core/options.js";
import { createMisskeyReceiver, misskeyEventSchemas, type MisskeyEventName } from "../../lib/providers/misskey/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { misskeyDelivery, misskeyEventNames, misskeyPayload } from "../../lib/testing/samples/misskey.js";
import { bodyOf } from "../fixtures/test-receiver.js";

const SECRET = "misskey-hook-secret";

function setup(options: ReceiverOptions = {}) {
  const errors: WebhookError[] = [];
  const receiver = createMisskeyReceiver({ secret: SECRET, ...options }).onError((error) => {
    errors.push(error);
  });
  return { receiver, errors };
}

/** A delivery of a hand-edited payload (to remove fields the sample builder always sets). */
function deliveryOf(payload: object, headers = misskeyDelivery("note", { secret: SECRET }).headers): Delivery<object> {
  return { method: "POST", headers, body: JSON.stringify(payload), payload };
}

const SYSTEM_EVENTS: readonly MisskeyEventName[] = [
  "abuseReport",
  "abuseReportResolved",
  "userCreated",
  "inactiveModeratorsWarning",
  "inactiveModeratorsInvitationOnlyChanged",
];

describe("every Misskey event", () => {
  test("the sample names cover every schema", () => {
    expect([...misskeyEventNames].sort()).toEqual(Object.keys(misskeyEventSchemas).sort());
  });

  test.each(misskeyEventNames)("%s reaches on(name) validated, with id and meta", async (name) => {
    const { receiver, errors } = setup();
    const seen: {
      name: string;
      id: string | undefined;
      payload: unknown;
      meta: unknown;
      provider: string;
      known: boolean;
      receivedAt: Date;
    }[] = [];
    receiver.on(name, (e) => {
      seen.push(e);
    });
    const delivery = misskeyDelivery(name, { secret: SECRET });
    const response = await receiver.receive(delivery);
    expect(response.status).toBe(200);
    expect(bodyOf(response)).toEqual({ ok: true });
    expect(errors).toEqual([]);
    expect(seen).toHaveLength(1);
    const [event] = seen;
    expect(event!.name).toBe(name);
    expect(event!.provider).toBe("misskey");
    expect(event!.known).toBe(true);
    expect(event!.id).toBe(delivery.payload.eventId);
    expect(event!.payload).toEqual(delivery.payload);
    // Only Sharkey sends `edited`: the event itself says who sent it.
    const software = name === "edited" ? "sharkey" : "misskey";
    expect(event!.meta).toEqual({ software, host: "misskey.example", hookId: delivery.payload.hookId, params: {} });
    expect(event!.receivedAt).toBeInstanceOf(Date);
  });

  test.each(SYSTEM_EVENTS)("system hook %s carries no userId", async (name) => {
    const { receiver } = setup();
    let payload: object | undefined;
    receiver.on(name, (e) => {
      payload = e.payload;
    });
    const delivery = misskeyDelivery(name, { secret: SECRET });
    expect("userId" in delivery.payload).toBe(false);
    expect((await receiver.receive(delivery)).status).toBe(200);
    expect(payload).toBeDefined();
    expect("userId" in payload!).toBe(false);
  });

  test("user hooks carry userId", () => {
    expect(misskeyPayload("note").userId).toBe("9abc0000user");
  });
});

describe("typed payloads", () => {
  test("note, follow, followed and system bodies are typed by event name", async () => {
    const { receiver } = setup();
    const seen: unknown[] = [];
    receiver.on("note", (e) => {
      const text: string | null = e.payload.body.note.text;
      const user: string = e.payload.body.note.user.username;
      seen.push([e.name, text, user, e.meta.host]);
    });
    receiver.on(["follow", "followed"], (e) => {
      const username: string = e.payload.body.user.username;
      seen.push([e.name, username]);
    });
    receiver.on("abuseReport", (e) => {
      const resolved: boolean = e.payload.body.resolved;
      seen.push([e.name, resolved, e.payload.body.comment]);
    });
    receiver.on("inactiveModeratorsWarning", (e) => {
      const hours: number = e.payload.body.remainingTime.asHours;
      seen.push([e.name, hours]);
    });
    for (const name of ["note", "follow", "followed", "abuseReport", "inactiveModeratorsWarning"] as const) {
      await receiver.receive(misskeyDelivery(name, { secret: SECRET }));
    }
    expect(seen).toEqual([
      ["note", "Hello, fediverse!", "alice", "misskey.example"],
      ["follow", "alice"],
      ["followed", "alice"],
      ["abuseReport", false, "spam"],
      ["inactiveModeratorsWarning", 24],
    ]);
  });

  test('on(["follow", "followed"]) is one handler for both', async () => {
    const { receiver } = setup();
    const handler = jest.fn();
    receiver.on(["follow", "followed"], handler);
    await receiver.receive(misskeyDelivery("follow", { secret: SECRET }));
    await receiver.receive(misskeyDelivery("followed", { secret: SECRET }));
    await receiver.receive(misskeyDelivery("unfollow", { secret: SECRET }));
    expect(handler.mock.calls.map(([e]) => (e as { name: string }).name)).toEqual(["follow", "followed"]);
  });

  test("fields Misskey adds later pass through", async () => {
    const { receiver } = setup();
    let note: Record<string, unknown> | undefined;
    receiver.on("note", (e) => {
      note = e.payload.body.note;
    });
    const delivery = misskeyDelivery("note", {
      secret: SECRET,
      rawOverrides: { newTopLevel: 1, body: { note: { poll: { choices: [] }, visibility: "local-only" } } },
    });
    expect((await receiver.receive(delivery)).status).toBe(200);
    expect(note?.["poll"]).toEqual({ choices: [] });
    expect(note?.["visibility"]).toBe("local-only");
  });
});

describe("content types", () => {
  test.each([
    ["legacy text/plain;charset=UTF-8", { "content-type": "text/plain;charset=UTF-8" }],
    ["no Content-Type at all", {}],
  ])("%s is parsed as JSON", async (_what, contentType) => {
    const { receiver } = setup();
    const listener = jest.fn();
    receiver.on("note", listener);
    const delivery = misskeyDelivery("note", { secret: SECRET });
    const { "content-type": _dropped, ...headers } = delivery.headers;
    const response = await receiver.receive({ ...delivery, headers: { ...headers, ...contentType } });
    expect(response.status).toBe(200);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test("other types are 415", async () => {
    const { receiver } = setup();
    const delivery = misskeyDelivery("note", { secret: SECRET });
    const response = await receiver.receive({ ...delivery, headers: { ...delivery.headers, "content-type": "text/html" } });
    expect(response.status).toBe(415);
  });
});

describe("authentication", () => {
  test("rotation: both old and new secrets are accepted", async () => {
    const receiver = createMisskeyReceiver({ secret: ["old", "new"] });
    expect((await receiver.receive(misskeyDelivery("note", { secret: "old" }))).status).toBe(200);
    expect((await receiver.receive(misskeyDelivery("note", { secret: "new" }))).status).toBe(200);
    const stale = await receiver.receive(misskeyDelivery("note", { secret: "older" }));
    expect(stale.status).toBe(401);
    expect(bodyOf(stale)["error"]).toBe("signature_mismatch");
  });

  test("no secret header → 401 signature_missing, listener not called", async () => {
    const { receiver } = setup();
    const listener = jest.fn();
    receiver.on("note", listener);
    const response = await receiver.receive(misskeyDelivery("note"));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
    expect(listener).not.toHaveBeenCalled();
  });

  test("a hook with an empty secret needs allowUnauthenticated", async () => {
    const receiver = createMisskeyReceiver({ allowUnauthenticated: true });
    expect((await receiver.receive(misskeyDelivery("note"))).status).toBe(200);
  });
});

describe("dedupe and retries", () => {
  test("a repeated eventId is acknowledged as a duplicate and not dispatched again", async () => {
    const { receiver } = setup();
    const listener = jest.fn();
    receiver.on("note", listener);
    const delivery = misskeyDelivery("note", { secret: SECRET });
    expect(bodyOf(await receiver.receive(delivery))).toEqual({ ok: true });
    const again = await receiver.receive(delivery);
    expect(again.status).toBe(200);
    expect(bodyOf(again)).toEqual({ ok: true, duplicate: true });
    expect(listener).toHaveBeenCalledTimes(1);
    // A new event with the same content is not a duplicate.
    expect(bodyOf(await receiver.receive(misskeyDelivery("note", { secret: SECRET })))).toEqual({ ok: true });
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test("a listener that throws → 500 (Misskey retries 5xx); the resend is dispatched again", async () => {
    const { receiver, errors } = setup();
    const attempts: string[] = [];
    receiver.on("note", (e) => {
      attempts.push(e.id);
      if (attempts.length === 1) throw new Error("transient");
    });
    const delivery = misskeyDelivery("note", { secret: SECRET });
    const first = await receiver.receive(delivery);
    expect(first.status).toBe(500);
    expect(bodyOf(first)["error"]).toBe("handler_failed");
    expect(errors[0]).toMatchObject({ code: "handler_failed", provider: "misskey" });
    const resend = await receiver.receive(delivery);
    expect(bodyOf(resend)).toEqual({ ok: true });
    expect(attempts).toEqual([delivery.payload.eventId, delivery.payload.eventId]);
  });
});

describe("invalid deliveries (4xx: final for Misskey)", () => {
  test("a note without id → 400 invalid_payload; onError gets the issues and the raw payload", async () => {
    const { receiver, errors } = setup();
    const listener = jest.fn();
    receiver.on("note", listener).onAny(listener);
    const payload = misskeyPayload("note");
    const { id: _id, ...noteWithoutId } = payload.body.note;
    const raw = { ...payload, body: { note: noteWithoutId } };
    const response = await receiver.receive(deliveryOf(raw));
    expect(response.status).toBe(400);
    expect(bodyOf(response)).toEqual({ error: "invalid_payload", message: 'The "note" payload does not match its schema.' });
    expect(listener).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error!.code).toBe("invalid_payload");
    expect(error!.payload).toEqual(raw);
    expect(error!.issues?.map((issue) => issue.path)).toContainEqual(["body", "note", "id"]);
    expect(error!.event).toMatchObject({ name: "note", id: payload.eventId, known: true });
  });

  test.each<[string, (payload: Record<string, unknown>) => void]>([
    ["no eventId", (p) => delete p["eventId"]],
    ["an empty eventId", (p) => (p["eventId"] = "")],
    ["no type", (p) => delete p["type"]],
    ["no hookId", (p) => delete p["hookId"]],
    ["a string createdAt", (p) => (p["createdAt"] = "yesterday")],
    ["a body that is not an object", (p) => (p["body"] = "text")],
  ])("%s → 400 invalid_envelope", async (_what, edit) => {
    const { receiver, errors } = setup();
    const payload: Record<string, unknown> = { ...misskeyPayload("note") };
    edit(payload);
    const response = await receiver.receive(deliveryOf(payload));
    expect(response.status).toBe(400);
    expect(bodyOf(response)["error"]).toBe("invalid_envelope");
    expect(errors[0]).toMatchObject({ code: "invalid_envelope", provider: "misskey", payload });
    expect(errors[0]!.issues?.length).toBeGreaterThan(0);
  });

  test("a JSON array is not an envelope", async () => {
    const { receiver } = setup();
    const response = await receiver.receive(deliveryOf([1, 2]));
    expect(bodyOf(response)["error"]).toBe("invalid_envelope");
  });

  test("an unknown type reaches onAny as unknown, and is acknowledged", async () => {
    const { receiver, errors } = setup();
    const any: { name: string; known: boolean; payload: unknown; id: string | undefined }[] = [];
    const named = jest.fn();
    receiver.on("note", named);
    receiver.onAny((e) => {
      any.push({ name: e.name, known: e.known, payload: e.payload, id: e.id });
    });
    const delivery = misskeyDelivery("note", { secret: SECRET, rawOverrides: { type: "noteDeleted", body: { noteId: "x" } } });
    const response = await receiver.receive(delivery);
    expect(response.status).toBe(200);
    expect(named).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
    expect(any).toEqual([{ name: "noteDeleted", known: false, payload: delivery.payload, id: delivery.payload.eventId }]);
  });
});

describe("through Express", () => {
  test("mounted router: delivery, duplicate, forged secret", async () => {
    const misskey = createMisskeyReceiver({ secret: SECRET });
    const seen: string[] = [];
    misskey.on("note", (e) => {
      seen.push(e.payload.body.note.text ?? "");
    });
    const app = express();
    app.use("/hooks/misskey", misskey.router);
    const d = misskeyDelivery("note", { secret: SECRET });
    const res = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
    expect(res.status).toBe(200);
    expect(seen).toEqual(["Hello, fediverse!"]);
    const dup = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
    expect(dup.body).toEqual({ ok: true, duplicate: true });
    const bad = await request(app)
      .post("/hooks/misskey")
      .set({ ...d.headers, "x-misskey-hook-secret": "x" })
      .send(d.body);
    expect(bad.status).toBe(401);
    expect(bad.body.error).toBe("signature_mismatch");
  });
});
