import { describeGenericAuth } from "../fixtures/generic-auth-suite.js";
import { mount } from "../fixtures/mount.js";
import express from "express";
import { createOneInboxReceiver, type OneInboxEventName, type OneInboxReceiverOptions } from "../../lib/providers/oneinbox/index.js";
import { oneInboxDelivery, oneInboxEventNames, oneInboxPayload } from "../../lib/testing/samples/oneinbox.js";

const TOKEN = "oneinbox-token";

function setup(options: OneInboxReceiverOptions = { auth: { token: TOKEN } }, configure?: (app: express.Express) => void) {
  return mount(createOneInboxReceiver(options), "/hooks/oneinbox", configure);
}

const json = (payload: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => ({
  headers: { ...headers, "content-type": "application/json" },
  body: JSON.stringify(payload),
});

describe("OneInbox receiver: events", () => {
  test("samples cover every documented event", () => {
    expect(oneInboxEventNames).toEqual([
      "call.started",
      "call.ended",
      "call.analyzed",
      "call.failed",
      "call.recording.available",
      "transcript.partial",
      "transcript.final",
    ]);
    expect(oneInboxPayload("call.ended").call_id).not.toBe(oneInboxPayload("call.ended").call_id);
  });

  test.each(oneInboxEventNames)("%s reaches on() with its typed payload and an event:call_id id", async (name: OneInboxEventName) => {
    const { receiver, post } = setup();
    const seen: { name: string; event: string; callId: string; id: string | undefined; userAgent: string | undefined }[] = [];
    receiver.on(name, (e) => {
      seen.push({ name: e.name, event: e.payload.event, callId: e.payload.call_id, id: e.id, userAgent: e.meta.userAgent });
    });
    const d = oneInboxDelivery(name, { token: TOKEN });
    const res = await post({ ...d, headers: { ...d.headers, "user-agent": "OneInbox-Webhooks/1.0" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(seen).toHaveLength(1);
    const id =
      name === "transcript.partial"
        ? expect.stringMatching(new RegExp(`^transcript\\.partial:${d.payload.call_id}:[0-9a-f]{32}$`))
        : `${name}:${d.payload.call_id}`;
    expect(seen[0]).toEqual({ name, event: name, callId: d.payload.call_id, id, userAgent: "OneInbox-Webhooks/1.0" });
  });

  test("payload fields are typed for listeners", async () => {
    const { receiver, post } = setup();
    const read: unknown[] = [];
    receiver.on("call.ended", (e) => {
      const seconds: number | null | undefined = e.payload.duration_seconds;
      read.push(e.payload.status, seconds, e.payload.outcome, e.payload.analysis?.summary);
    });
    receiver.on(["transcript.partial", "transcript.final"], (e) => {
      read.push(e.payload.messages.map((m) => `${m.role}: ${m.content}`).join(" | "));
    });
    receiver.on("call.recording.available", (e) => {
      read.push(e.payload.recording_url.endsWith(".mp3"));
    });
    await post(oneInboxDelivery("call.ended", { token: TOKEN }));
    await post(oneInboxDelivery("transcript.final", { token: TOKEN }));
    await post(oneInboxDelivery("call.recording.available", { token: TOKEN }));
    expect(read).toEqual([
      "completed",
      87,
      "Appointment Booked",
      "Caller agreed to a product demo on Thursday at 3pm.",
      "agent: Hi! How can I help you today? | user: I'd like to book a demo. | agent: Of course! Let me get that booked for you.",
      true,
    ]);
  });

  test("numbers that arrive as numbers (or numeric strings) are accepted", async () => {
    const { receiver, post } = setup();
    const seen: unknown[] = [];
    receiver.on("call.ended", (e) => {
      seen.push([e.id, e.payload.call_id, e.payload.to_number, e.payload.duration_seconds]);
    });
    await post(
      oneInboxDelivery("call.ended", { token: TOKEN, overrides: { call_id: 4711, to_number: 919876543210, duration_seconds: "87.5" } }),
    );
    expect(seen).toEqual([["call.ended:4711", "4711", "919876543210", 87.5]]);
  });

  test("unknown events, and deliveries without a call, reach onAny only with 200", async () => {
    const { receiver, post } = setup();
    const named = jest.fn();
    receiver.on("call.ended", named);
    const any: { name: string; known: boolean; id: string | undefined }[] = [];
    receiver.onAny((e) => {
      any.push({ name: e.name, known: e.known, id: e.id });
    });
    expect((await post(json({ event: "call.transferred", call_id: "call_1", to: "+1555" }))).status).toBe(200);
    expect((await post(json({ event: "webhook.test", message: "hello" }))).status).toBe(200);
    expect(named).not.toHaveBeenCalled();
    expect(any).toEqual([
      { name: "call.transferred", known: false, id: "call.transferred:call_1" },
      { name: "webhook.test", known: false, id: undefined },
    ]);
  });
});

describe("OneInbox receiver: dedupe and answers", () => {
  test("a resent event is acknowledged as a duplicate and not dispatched again", async () => {
    const { receiver, post } = setup();
    const listener = jest.fn();
    receiver.on("call.ended", listener);
    const d = oneInboxDelivery("call.ended", { token: TOKEN });
    expect((await post(d)).body).toEqual({ ok: true });
    const again = await post(d);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test("transcript.partial: the next partial of a call is not a duplicate, the same body resent is", async () => {
    const { receiver, post } = setup();
    const counts: number[] = [];
    receiver.on("transcript.partial", (e) => {
      counts.push(e.payload.messages.length);
    });
    const first = oneInboxDelivery("transcript.partial", { token: TOKEN });
    const second = { ...first.payload, messages: [...first.payload.messages, { role: "agent", content: "Sure." }] };
    expect((await post(first)).body).toEqual({ ok: true });
    expect((await post(json(second))).body).toEqual({ ok: true });
    expect((await post(first)).body).toEqual({ ok: true, duplicate: true });
    // The same content with its keys in another order is the same delivery.
    const reordered = {
      messages: first.payload.messages.map(({ content, role }) => ({ content, role })),
      call_id: first.payload.call_id,
      event: "transcript.partial",
    };
    expect((await post(json(reordered))).body).toEqual({ ok: true, duplicate: true });
    expect(counts).toEqual([2, 3]);
  });

  test("transcript.partial gets the same id when a global express.json() parsed the body first", async () => {
    const ids: (string | undefined)[] = [];
    const raw = setup();
    const parsed = setup(undefined, (app) => app.use(express.json()));
    for (const { receiver } of [raw, parsed]) {
      receiver.on("transcript.partial", (e) => {
        ids.push(e.id);
      });
    }
    const d = oneInboxDelivery("transcript.partial", { token: TOKEN });
    expect((await raw.post(d)).status).toBe(200);
    expect((await parsed.post(d)).status).toBe(200);
    expect(ids).toHaveLength(2);
    expect(ids[0]).toBe(ids[1]);
  });

  test("a failing listener gets 500 handler_failed, and OneInbox's resend is dispatched again", async () => {
    const { receiver, post, errors } = setup();
    let calls = 0;
    receiver.on("call.analyzed", () => {
      calls++;
      if (calls === 1) throw new Error("CRM down");
    });
    const d = oneInboxDelivery("call.analyzed", { token: TOKEN });
    const first = await post(d);
    expect(first.status).toBe(500);
    expect(first.body.error).toBe("handler_failed");
    expect(errors.map((e) => e.code)).toEqual(["handler_failed"]);
    const resend = await post(d);
    expect(resend.status).toBe(200);
    expect(resend.body).toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  test("an invalid payload is refused 400 invalid_payload and reported with its issues", async () => {
    const { receiver, post, errors } = setup();
    const listener = jest.fn();
    receiver.on("call.recording.available", listener);
    const d = oneInboxDelivery("call.recording.available", { token: TOKEN });
    const { recording_url: _dropped, ...withoutUrl } = d.payload;
    const res = await post(json({ ...withoutUrl, agent_id: { id: 1 } }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_payload");
    expect(listener).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("invalid_payload");
    expect(errors[0]!.issues?.map((issue) => issue.path.join(".")).sort()).toEqual(["agent_id", "recording_url"]);
    expect(errors[0]!.payload).toEqual(expect.objectContaining({ call_id: d.payload.call_id }));
  });

  test.each<[string, unknown]>([
    ["no event", { call_id: "call_1" }],
    ["an empty event", { event: "", call_id: "call_1" }],
    ["a list", [{ event: "call.ended", call_id: "call_1" }]],
    ["a string", "call.ended"],
  ])("an invalid envelope (%s) is refused 400 invalid_envelope", async (_label, body) => {
    const { post, errors } = setup();
    const res = await post(json(body));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_envelope");
    expect(errors.map((e) => e.code)).toEqual(["invalid_envelope"]);
  });
});

describeGenericAuth({
  name: "oneinbox",
  path: "/hooks/oneinbox",
  create: (options) => createOneInboxReceiver(options),
  delivery: (token) => oneInboxDelivery("call.started", token === undefined ? {} : { token }),
  otherDelivery: () => oneInboxDelivery("call.ended"),
});

describe("OneInbox receiver: events by name", () => {
  test("on() accepts only known names, at compile time and at run time", () => {
    const { receiver } = setup();
    // @ts-expect-error "call.transferred" has no schema: it is for onAny.
    expect(() => receiver.on("call.transferred", () => undefined)).toThrow(/onAny/);
    expect(receiver.provider).toBe("oneinbox");
  });
});
