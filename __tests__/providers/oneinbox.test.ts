import type { Response } from "supertest";
import { mount } from "../fixtures/mount.js";
import express from "express";
import {
  createOneInboxReceiver,
  type OneInboxEventName,
  type OneInboxReceiver,
  type OneInboxReceiverOptions,
} from "../../lib/providers/oneinbox/index.js";
import type { VerifiableRequest } from "../../lib/core/auth/authenticator.js";
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

describe("OneInbox receiver: authentication", () => {
  const delivery = () => oneInboxDelivery("call.started");
  const expectDispatched = async (receiver: OneInboxReceiver, send: () => Promise<Response>, status = 200) => {
    const listener = jest.fn();
    receiver.onAny(listener);
    const res = await send();
    expect(res.status).toBe(status);
    expect(listener).toHaveBeenCalledTimes(status === 200 ? 1 : 0);
    receiver.off(listener);
    return res;
  };

  test("a token is accepted as Bearer, X-Webhook-Token or ?token=", async () => {
    const { receiver, post } = setup();
    const d = delivery();
    await expectDispatched(receiver, () => post({ ...d, headers: { ...d.headers, authorization: `Bearer ${TOKEN}` } }));
    const d2 = delivery();
    await expectDispatched(receiver, () => post({ ...d2, headers: { ...d2.headers, "x-webhook-token": TOKEN } }));
    const d3 = delivery();
    await expectDispatched(receiver, () => post(d3, `/hooks/oneinbox?token=${TOKEN}`));
  });

  test("a missing token is 401 signature_missing, a wrong one 401 signature_mismatch", async () => {
    const { receiver, post, errors } = setup();
    const missing = await expectDispatched(receiver, () => post(delivery()), 401);
    expect(missing.body.error).toBe("signature_missing");
    const wrong = await expectDispatched(receiver, () => post(delivery(), "/hooks/oneinbox?token=guess"), 401);
    expect(wrong.body.error).toBe("signature_mismatch");
    expect(JSON.stringify(wrong.body)).not.toContain(TOKEN);
    expect(errors.map((e) => e.code)).toEqual(["signature_missing", "signature_mismatch"]);
  });

  test("several tokens are accepted at once, for rotation", async () => {
    const { receiver, post } = setup({ auth: { token: ["old-token", "new-token"] } });
    await expectDispatched(receiver, () => post(oneInboxDelivery("call.started", { token: "old-token" })));
    await expectDispatched(receiver, () => post(oneInboxDelivery("call.started", { token: "new-token" })));
    await expectDispatched(receiver, () => post(oneInboxDelivery("call.started", { token: "older-token" })), 401);
  });

  test("HTTP Basic: right credentials pass, others get 401 with a WWW-Authenticate challenge", async () => {
    const { receiver, post } = setup({ auth: { basic: { username: "oneinbox", password: "s3cret:pass" } } });
    const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
    const withAuth = (authorization?: string) => {
      const d = delivery();
      return { ...d, headers: authorization === undefined ? d.headers : { ...d.headers, authorization } };
    };
    await expectDispatched(receiver, () => post(withAuth(basic("oneinbox", "s3cret:pass"))));
    for (const authorization of [basic("oneinbox", "wrong"), basic("other", "s3cret:pass"), undefined]) {
      const res = await expectDispatched(receiver, () => post(withAuth(authorization)), 401);
      expect(res.headers["www-authenticate"]).toMatch(/^Basic realm=/);
    }
  });

  test("allowIps: CIDR ranges (IPv4 and IPv6) checked against the address Express computed", async () => {
    const behindProxy = setup({ auth: { allowIps: ["203.0.113.0/24", "2001:db8::/32"] } }, (app) => app.set("trust proxy", "loopback"));
    const from = (address: string) => {
      const d = delivery();
      return { ...d, headers: { ...d.headers, "x-forwarded-for": address } };
    };
    await expectDispatched(behindProxy.receiver, () => behindProxy.post(from("203.0.113.77")));
    await expectDispatched(behindProxy.receiver, () => behindProxy.post(from("2001:db8:1::42")));
    const outside = await expectDispatched(behindProxy.receiver, () => behindProxy.post(from("198.51.100.1")), 403);
    expect(outside.body.error).toBe("ip_not_allowed");
    await expectDispatched(behindProxy.receiver, () => behindProxy.post(from("2001:db9::1")), 403);

    // Without `trust proxy`, X-Forwarded-For is the caller's claim and is ignored.
    const direct = setup({ auth: { allowIps: ["203.0.113.0/24"] } });
    await expectDispatched(direct.receiver, () => direct.post(from("203.0.113.77")), 403);
    const local = setup({ auth: { allowIps: ["127.0.0.1", "::1"] } });
    await expectDispatched(local.receiver, () => local.post(delivery()));
  });

  test("allowIps with a token: both must pass", async () => {
    const { receiver, post } = setup({ auth: { allowIps: ["127.0.0.0/8", "::1/128"], token: TOKEN } });
    await expectDispatched(receiver, () => post(oneInboxDelivery("call.started", { token: TOKEN })));
    await expectDispatched(receiver, () => post(delivery()), 401);
  });

  test("verify: sees the raw body; false is 401 verification_failed, a throw is 503 auth_unavailable", async () => {
    const seen: VerifiableRequest[] = [];
    let answer: () => boolean = () => true;
    const { receiver, post, errors } = setup({
      auth: {
        verify: (req) => {
          seen.push(req);
          return answer();
        },
      },
    });
    const d = delivery();
    await expectDispatched(receiver, () => post(d, "/hooks/oneinbox?sig=abc"));
    expect(seen[0]!.rawBody?.toString("utf8")).toBe(d.body);
    expect(seen[0]!.query).toEqual({ sig: "abc" });
    expect(seen[0]!.method).toBe("POST");

    answer = () => false;
    const refused = await expectDispatched(receiver, () => post(delivery()), 401);
    expect(refused.body.error).toBe("verification_failed");

    answer = () => {
      throw new Error("key service down");
    };
    const unavailable = await expectDispatched(receiver, () => post(delivery()), 503);
    expect(unavailable.body.error).toBe("auth_unavailable");
    expect(unavailable.headers["retry-after"]).toBeDefined();
    expect(errors.map((e) => e.code)).toEqual(["verification_failed", "auth_unavailable"]);
  });

  test("an async verify is awaited", async () => {
    const { receiver, post } = setup({ auth: { verify: async (req) => req.headers["x-signature"] === "ok" } });
    const d = delivery();
    await expectDispatched(receiver, () => post({ ...d, headers: { ...d.headers, "x-signature": "ok" } }));
    await expectDispatched(receiver, () => post(delivery()), 401);
  });

  test("the factory refuses to start without an auth choice, or with a bad one", () => {
    expect(() => createOneInboxReceiver({})).toThrow(/createOneInboxReceiver: set auth/);
    expect(() => createOneInboxReceiver({ auth: {} })).toThrow(/auth needs token, basic, allowIps or verify/);
    expect(() => createOneInboxReceiver({ auth: { allowIps: ["not-an-ip"] } })).toThrow(/createOneInboxReceiver: allowIps/);
    expect(() => createOneInboxReceiver({ auth: { token: "" } })).toThrow(TypeError);
  });

  test("allowUnauthenticated: true accepts any request", async () => {
    const { receiver, post } = setup({ allowUnauthenticated: true });
    await expectDispatched(receiver, () => post(delivery()));
    await expectDispatched(receiver, () => post(oneInboxDelivery("call.started", { token: "whatever" })));
  });

  test("on() accepts only known names, at compile time and at run time", () => {
    const { receiver } = setup();
    // @ts-expect-error "call.transferred" has no schema: it is for onAny.
    expect(() => receiver.on("call.transferred", () => undefined)).toThrow(/onAny/);
    expect(receiver.provider).toBe("oneinbox");
  });
});
