import { mount } from "../fixtures/mount.js";
import {
  createKakaoBizmessageReceiver,
  isKakaoTemplateUpdate,
  KAKAO_SIGNATURE_HEADER,
  type KakaoBizmessageReceiver,
  type KakaoBizmessageReceiverOptions,
} from "../../lib/providers/kakao-bizmessage/index.js";
import {
  kakaoBizmessageDelivery,
  kakaoBizmessageEventNames,
  kakaoBizmessagePayload,
  kakaoTemplateUpdateDelivery,
} from "../../lib/testing/samples/kakao-bizmessage.js";

const SECRET = "nhn-signature";

function setup(options: KakaoBizmessageReceiverOptions = { secret: SECRET }) {
  return mount(createKakaoBizmessageReceiver(options), "/hooks/kakao");
}

describe("KakaoTalk Bizmessage receiver", () => {
  test("samples cover every known event", () => {
    expect(kakaoBizmessageEventNames).toEqual(["MESSAGE_RESULT_UPDATE"]);
  });

  test("MESSAGE_RESULT_UPDATE reaches on() typed, with hooksId as id and the envelope as meta", async () => {
    const { receiver, post } = setup();
    const seen: { id: string | undefined; seq: number; type: string; href: string | undefined; meta: unknown }[] = [];
    receiver.on("MESSAGE_RESULT_UPDATE", (e) => {
      const hook = e.payload.hooks[0]!;
      seen.push({ id: e.id, seq: hook.recipientSeq, type: hook.kakaoMessageType, href: hook._links?.self.href, meta: e.meta });
    });
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET });
    const res = await post(d);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(seen).toEqual([
      {
        id: d.payload.hooksId,
        seq: 1,
        type: "ALIMTALK_NORMAL",
        href: d.payload.hooks[0]!._links!.self.href,
        meta: { productName: "KakaoTalk Bizmessage", appKey: "sampleAppKey", webhookConfigId: "sampleWebhookConfigId", params: {} },
      },
    ]);
  });

  test("accepts a numeric-string recipientSeq, a new message type and brand-message isAddedChannel", async () => {
    const { receiver, post } = setup();
    const hooks: unknown[] = [];
    receiver.on("MESSAGE_RESULT_UPDATE", (e) => {
      hooks.push(...e.payload.hooks);
    });
    const base = kakaoBizmessagePayload("MESSAGE_RESULT_UPDATE").hooks[0]!;
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", {
      secret: SECRET,
      rawOverrides: {
        hooks: [
          { ...base, recipientSeq: "7", kakaoMessageType: "BRAND_MESSAGE_NORMAL", isAddedChannel: true },
          { ...base, recipientSeq: 8, kakaoMessageType: "SOME_FUTURE_TYPE", isAddedChannel: undefined, newField: "x" },
        ],
      },
    });
    expect((await post(d)).status).toBe(200);
    expect(hooks).toEqual([
      expect.objectContaining({ recipientSeq: 7, kakaoMessageType: "BRAND_MESSAGE_NORMAL", isAddedChannel: true }),
      expect.objectContaining({ recipientSeq: 8, kakaoMessageType: "SOME_FUTURE_TYPE", newField: "x" }),
    ]);
  });

  test("parses the body as JSON without a Content-Type; refuses other types with 415", async () => {
    const { receiver } = setup();
    const names: string[] = [];
    receiver.onAny((e) => {
      names.push(e.name);
    });
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET });
    const bare = await receiver.receive({ method: "POST", headers: { [KAKAO_SIGNATURE_HEADER]: SECRET }, body: d.body });
    expect(bare.status).toBe(200);
    const html = await receiver.receive({ method: "POST", headers: { ...d.headers, "content-type": "text/html" }, body: d.body });
    expect(html.status).toBe(415);
    expect(names).toEqual(["MESSAGE_RESULT_UPDATE"]);
  });

  test("unknown events (a sibling product's) reach onAny only, and are answered 200", async () => {
    const { receiver, post } = setup();
    const named: string[] = [];
    const any: { name: string; known: boolean; product: string }[] = [];
    receiver.on("MESSAGE_RESULT_UPDATE", (e) => {
      named.push(e.name);
    });
    receiver.onAny((e) => {
      any.push({ name: e.name, known: e.known, product: e.meta.productName });
    });
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", {
      secret: SECRET,
      rawOverrides: {
        productName: "SMS",
        event: "UNSUBSCRIBE",
        hooks: [{ hookId: "h1", recipientNo: "01012341234", unsubscribeNo: "08012341234" }],
      },
    });
    const res = await post(d);
    expect(res.status).toBe(200);
    expect(named).toEqual([]);
    expect(any).toEqual([{ name: "UNSUBSCRIBE", known: false, product: "SMS" }]);
  });

  test("template status updates reach onAny under the name sent, and isKakaoTemplateUpdate types them", async () => {
    const { receiver, post } = setup();
    const statuses: string[] = [];
    const others: string[] = [];
    receiver.onAny((e) => {
      if (isKakaoTemplateUpdate(e)) {
        for (const hook of e.payload.hooks) statuses.push(`${e.name} ${hook.templateCode} ${hook.status} ${hook.comments?.[0]?.status}`);
      } else {
        others.push(e.name);
      }
    });
    expect((await post(kakaoTemplateUpdateDelivery("TEMPLATE_STATUS_UPDATE", { secret: SECRET }))).status).toBe(200);
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET }))).status).toBe(200);
    const rejected = kakaoTemplateUpdateDelivery("SOME_OTHER_NAME", {
      secret: SECRET,
      overrides: {
        hooks: [{ ...kakaoTemplateUpdateDelivery("x").payload.hooks[0]!, status: "TSC04", comments: [{ id: "12", status: "REJ" }] }],
      },
    });
    expect((await post(rejected)).status).toBe(200);
    expect(statuses).toEqual(["TEMPLATE_STATUS_UPDATE ORDER_SHIPPED TSC03 APR", "SOME_OTHER_NAME ORDER_SHIPPED TSC04 REJ"]);
    expect(others).toEqual(["MESSAGE_RESULT_UPDATE"]);
    expect(isKakaoTemplateUpdate({ payload: { ...kakaoBizmessagePayload("MESSAGE_RESULT_UPDATE"), hooks: [] } })).toBe(false);
  });

  test("a repeated hooksId is acknowledged as a duplicate and not dispatched again", async () => {
    const { receiver, post } = setup();
    let calls = 0;
    receiver.on("MESSAGE_RESULT_UPDATE", () => {
      calls++;
    });
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET });
    expect((await post(d)).body).toEqual({ ok: true });
    const again = await post(d);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET }))).body).toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  test("a failing listener gets 500 handler_failed, and the resend is dispatched again", async () => {
    const { receiver, post, errors } = setup();
    let calls = 0;
    receiver.on("MESSAGE_RESULT_UPDATE", () => {
      calls++;
      if (calls === 1) throw new Error("database down");
    });
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET });
    const first = await post(d);
    expect(first.status).toBe(500);
    expect(first.body.error).toBe("handler_failed");
    expect(JSON.stringify(first.body)).not.toContain("database down");
    expect(errors.map((e) => e.code)).toEqual(["handler_failed"]);
    const resend = await post(d);
    expect(resend.status).toBe(200);
    expect(resend.body).toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  test("an invalid MESSAGE_RESULT_UPDATE is refused 400 invalid_payload and reported with its issues", async () => {
    const { receiver, post, errors } = setup();
    const listener = jest.fn();
    receiver.on("MESSAGE_RESULT_UPDATE", listener);
    const base = kakaoBizmessagePayload("MESSAGE_RESULT_UPDATE").hooks[0]!;
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", {
      secret: SECRET,
      rawOverrides: { hooks: [{ ...base, recipientSeq: "first", isAddedChannel: "yes" }] },
    });
    const res = await post(d);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_payload");
    expect(listener).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("invalid_payload");
    expect(errors[0]!.event?.id).toBe(d.payload.hooksId);
    expect(errors[0]!.issues?.map((issue) => issue.path.join("."))).toEqual(["hooks.0.recipientSeq", "hooks.0.isAddedChannel"]);
  });

  test.each<[string, (payload: Record<string, unknown>) => unknown]>([
    ["no hooksId", ({ hooksId: _dropped, ...rest }) => rest],
    ["hooks not a list", (payload) => ({ ...payload, hooks: { hookId: "h" } })],
    ["an empty event", (payload) => ({ ...payload, event: "" })],
    ["a list body", (payload) => [payload]],
  ])("an invalid envelope (%s) is refused 400 invalid_envelope", async (_label, corrupt) => {
    const { receiver, post, errors } = setup();
    const listener = jest.fn();
    receiver.onAny(listener);
    const d = kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET });
    const res = await post({ headers: d.headers, body: JSON.stringify(corrupt({ ...d.payload })) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_envelope");
    expect(listener).not.toHaveBeenCalled();
    expect(errors.map((e) => e.code)).toEqual(["invalid_envelope"]);
  });

  test("a missing signature is refused 401 signature_missing, a wrong one 401 signature_mismatch", async () => {
    const { receiver, post, errors } = setup();
    const listener = jest.fn();
    receiver.onAny(listener);
    const missing = await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE"));
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe("signature_missing");
    const wrong = await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "application/json;charset=UTF-8" }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("signature_mismatch");
    expect(JSON.stringify(wrong.body)).not.toContain(SECRET);
    expect(listener).not.toHaveBeenCalled();
    expect(errors.map((e) => e.code)).toEqual(["signature_missing", "signature_mismatch"]);
  });

  test("several secrets are accepted at once, for rotation", async () => {
    const { receiver, post } = setup({ secret: ["old-signature", "new-signature"] });
    const listener = jest.fn();
    receiver.on("MESSAGE_RESULT_UPDATE", listener);
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "old-signature" }))).status).toBe(200);
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "new-signature" }))).status).toBe(200);
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "older-signature" }))).status).toBe(401);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test("without a secret the factory throws, unless allowUnauthenticated is set", async () => {
    // @ts-expect-error -- no secret is a compile error; this checks the start-up error JavaScript callers get
    expect(() => createKakaoBizmessageReceiver({})).toThrow(/createKakaoBizmessageReceiver: set secret, or allowUnauthenticated/);
    expect(() => createKakaoBizmessageReceiver({ secret: "" })).toThrow(TypeError);
    const { receiver, post } = setup({ allowUnauthenticated: true });
    const listener = jest.fn();
    receiver.on("MESSAGE_RESULT_UPDATE", listener);
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE"))).status).toBe(200);
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "anything" }))).status).toBe(200);
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test("on() accepts only known names, at compile time and at run time", () => {
    const receiver: KakaoBizmessageReceiver = createKakaoBizmessageReceiver({ secret: SECRET });
    // @ts-expect-error UNSUBSCRIBE has no schema here: it is for onAny.
    expect(() => receiver.on("UNSUBSCRIBE", () => undefined)).toThrow(/onAny/);
    expect(receiver.provider).toBe("kakao-bizmessage");
  });
});
