import { mount } from "../fixtures/mount.js";
import { createKakaoBizmessageReceiver } from "../../lib/providers/kakao-bizmessage/index.js";
import {
  createNhnCloudReceiver,
  isKakaoTemplateUpdate,
  nhnCloudEventName,
  nhnCloudProduct,
  type NhnCloudReceiver,
  type NhnCloudReceiverOptions,
} from "../../lib/providers/nhn-cloud/index.js";
import { kakaoBizmessageDelivery, kakaoTemplateUpdateDelivery } from "../../lib/testing/samples/kakao-bizmessage.js";
import { nhnCloudDelivery, nhnCloudEventNames, nhnCloudPayload } from "../../lib/testing/samples/nhn-cloud.js";

const SECRET = "nhn-signature";

function setup(options: NhnCloudReceiverOptions = { secret: SECRET }) {
  return mount(createNhnCloudReceiver(options), "/hooks/nhn");
}

describe("NHN Cloud receiver (KakaoTalk Bizmessage, SMS, Email on one URL)", () => {
  test("samples cover every typed product and event", () => {
    expect(nhnCloudEventNames).toEqual([
      "KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE",
      "SMS/UNSUBSCRIBE",
      "SMS/MESSAGE_RESULT_UPDATE",
      "SMS/CONVERSION_BLOCK",
      "SMS/INTERNATIONAL_DELIVERY_RECEIPT",
      "Email/UNSUBSCRIBE",
      "Email/MESSAGE_RESULT_UPDATE",
    ]);
  });

  test("every product's every event, posted to one URL, reaches only its own typed on()", async () => {
    const { receiver, post, errors } = setup();
    const seen: string[] = [];
    for (const name of nhnCloudEventNames) {
      receiver.on(name, (e) => {
        seen.push(`${name} <- ${e.name} ${e.meta.product} ${e.meta.event} ${e.id === e.payload.hooksId}`);
      });
    }
    for (const name of nhnCloudEventNames) {
      const res = await post(nhnCloudDelivery(name, { secret: SECRET }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    }
    expect(seen).toEqual(nhnCloudEventNames.map((name) => `${name} <- ${name} ${name.replace("/", " ")} true`));
    expect(errors).toEqual([]);
  });

  test("each product's hooks are typed and read as sent (SMS, Email and Kakao MESSAGE_RESULT_UPDATE differ)", async () => {
    const { receiver, post } = setup();
    const read: unknown[] = [];
    receiver.on("SMS/MESSAGE_RESULT_UPDATE", (e) => {
      const hook = e.payload.hooks[0]!;
      read.push(["sms", hook.senderType, hook.messageStatus, hook.sendNo, hook.messageCount, hook.recipientSeq]);
    });
    receiver.on("SMS/UNSUBSCRIBE", (e) => read.push(["sms-unsub", e.payload.hooks[0]!.unsubscribeNo, e.payload.hooks[0]!.recipientNo]));
    receiver.on("SMS/CONVERSION_BLOCK", (e) => read.push(["sms-block", e.payload.hooks[0]!.countryCode]));
    receiver.on("SMS/INTERNATIONAL_DELIVERY_RECEIPT", (e) =>
      read.push(["sms-dlr", e.payload.hooks[0]!.dlrStatus, e.payload.hooks[0]!.networkCode]),
    );
    receiver.on("Email/UNSUBSCRIBE", (e) => read.push(["mail-unsub", e.payload.hooks[0]!.receiveMailAddr]));
    receiver.on("Email/MESSAGE_RESULT_UPDATE", (e) => {
      const hook = e.payload.hooks[0]!;
      read.push(["mail", hook.messageType, hook.mailStatusCode, hook.mailSeq, hook.dsnCode]);
    });
    receiver.on("KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE", (e) => {
      const hook = e.payload.hooks[0]!;
      read.push(["kakao", hook.kakaoMessageType, hook.resultCode]);
    });
    for (const name of nhnCloudEventNames) expect((await post(nhnCloudDelivery(name, { secret: SECRET }))).status).toBe(200);
    // Email's docs sample sends mailSeq as the string "0": it is read as the number the table says.
    const stringSeq = nhnCloudDelivery("Email/MESSAGE_RESULT_UPDATE", {
      secret: SECRET,
      rawOverrides: { hooks: [{ ...nhnCloudPayload("Email/MESSAGE_RESULT_UPDATE").hooks[0]!, mailSeq: "3" }] },
    });
    expect((await post(stringSeq)).status).toBe(200);
    expect(read).toEqual([
      ["kakao", "ALIMTALK_NORMAL", "1000"],
      ["sms-unsub", "08012341234", "01012341234"],
      ["sms", "NORMAL_SMS", "COMPLETED", "15446859", 1, 1],
      ["sms-block", "1"],
      ["sms-dlr", "DELIVERED", "US-VIRTUAL-BANDWIDTH"],
      ["mail-unsub", "receiver@example.com"],
      ["mail", "NORMAL_MAIL", "SST2", 0, "2.5.0"],
      ["mail", "NORMAL_MAIL", "SST2", 3, "2.5.0"],
    ]);
  });

  test("the product is recognised however the docs spell it (SMS / Sms), and meta keeps productName as sent", async () => {
    const { receiver, post } = setup();
    const seen: unknown[] = [];
    receiver.on("SMS/UNSUBSCRIBE", (e) => seen.push(e.meta));
    const d = nhnCloudDelivery("SMS/UNSUBSCRIBE", { secret: SECRET, overrides: { productName: "Sms" } });
    expect((await post(d)).status).toBe(200);
    expect(seen).toEqual([
      {
        product: "SMS",
        productName: "Sms",
        event: "UNSUBSCRIBE",
        appKey: "sampleAppKey",
        webhookConfigId: "sampleWebhookConfigId",
        params: {},
      },
    ]);
    expect([nhnCloudProduct("E-mail"), nhnCloudProduct("kakaotalk bizmessage"), nhnCloudProduct("Push")]).toEqual([
      "Email",
      "KakaoTalk Bizmessage",
      "Push",
    ]);
    expect(nhnCloudEventName("sms", "CONVERSION_BLOCK")).toBe("SMS/CONVERSION_BLOCK");
  });

  test("new fields NHN adds, and the docs' own misspellings (_link, recipientGropuingKey), are kept", async () => {
    const { receiver, post } = setup();
    const hooks: unknown[] = [];
    receiver.on("SMS/MESSAGE_RESULT_UPDATE", (e) => hooks.push(e.payload.hooks[0]));
    const { _links: _dropped, recipientGroupingKey: _key, ...base } = nhnCloudPayload("SMS/MESSAGE_RESULT_UPDATE").hooks[0]!;
    const hook = { ...base, recipientGropuingKey: "k", _link: { self: { href: "https://example.test/x" } }, newField: { a: 1 } };
    const d = nhnCloudDelivery("SMS/MESSAGE_RESULT_UPDATE", { secret: SECRET, rawOverrides: { hooks: [hook], addedTomorrow: true } });
    expect((await post(d)).status).toBe(200);
    expect(hooks).toEqual([hook]);
  });

  test("an unknown product reaches onAny only, acknowledged 200", async () => {
    const { receiver, post, errors } = setup();
    const typed = jest.fn();
    for (const name of nhnCloudEventNames) receiver.on(name, typed);
    const any: unknown[] = [];
    receiver.onAny((e) => any.push([e.name, e.known, e.meta.product, e.id]));
    const d = nhnCloudDelivery("SMS/UNSUBSCRIBE", { secret: SECRET, rawOverrides: { productName: "Push", event: "TOKEN_EXPIRED" } });
    const res = await post(d);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    expect(any).toEqual([["Push/TOKEN_EXPIRED", false, "Push", d.payload.hooksId]]);
    expect(typed).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
  });

  test("an unknown event of a known product reaches onAny only, acknowledged 200 (whatever its hooks)", async () => {
    const { receiver, post, errors } = setup();
    const typed = jest.fn();
    for (const name of nhnCloudEventNames) receiver.on(name, typed);
    const any: unknown[] = [];
    receiver.onAny((e) => any.push([e.name, e.known]));
    const d = nhnCloudDelivery("Email/UNSUBSCRIBE", {
      secret: SECRET,
      rawOverrides: { event: "BOUNCE", hooks: [{ hookId: "h1", whatever: 1 }] },
    });
    const res = await post(d);
    expect(res.status).toBe(200);
    expect(any).toEqual([["Email/BOUNCE", false]]);
    expect(typed).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
  });

  test("Kakao's template status update (event name undocumented) reaches onAny, typed by isKakaoTemplateUpdate", async () => {
    const { receiver, post } = setup();
    const statuses: string[] = [];
    receiver.onAny((e) => {
      if (isKakaoTemplateUpdate(e)) statuses.push(`${e.name} ${e.payload.hooks[0]!.templateCode} ${e.payload.hooks[0]!.status}`);
    });
    expect((await post(kakaoTemplateUpdateDelivery("TEMPLATE_STATUS_UPDATE", { secret: SECRET }))).status).toBe(200);
    expect(statuses).toEqual(["KakaoTalk Bizmessage/TEMPLATE_STATUS_UPDATE ORDER_SHIPPED TSC03"]);
  });

  test("deduplicates by hooksId across products: a repeat is acknowledged and not dispatched again", async () => {
    const { receiver, post } = setup();
    const names: string[] = [];
    receiver.onAny((e) => names.push(e.name));
    const sms = nhnCloudDelivery("SMS/MESSAGE_RESULT_UPDATE", { secret: SECRET });
    const mail = nhnCloudDelivery("Email/MESSAGE_RESULT_UPDATE", { secret: SECRET });
    // A delivery of another product that reuses the SMS one's hooksId is the same POST to NHN.
    const kakaoSameId = nhnCloudDelivery("KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE", {
      secret: SECRET,
      overrides: { hooksId: sms.payload.hooksId },
    });
    expect((await post(sms)).body).toEqual({ ok: true });
    expect((await post(mail)).body).toEqual({ ok: true });
    const again = await post(sms);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    expect((await post(kakaoSameId)).body).toEqual({ ok: true, duplicate: true });
    expect(names).toEqual(["SMS/MESSAGE_RESULT_UPDATE", "Email/MESSAGE_RESULT_UPDATE"]);
  });

  test("a missing signature is refused 401 signature_missing, a wrong one 401 signature_mismatch, for every product", async () => {
    const { receiver, post, errors } = setup();
    const listener = jest.fn();
    receiver.onAny(listener);
    for (const name of ["SMS/UNSUBSCRIBE", "Email/MESSAGE_RESULT_UPDATE", "KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE"] as const) {
      const missing = await post(nhnCloudDelivery(name));
      expect(missing.status).toBe(401);
      expect(missing.body.error).toBe("signature_missing");
      const wrong = await post(nhnCloudDelivery(name, { secret: "application/json;charset=UTF-8" }));
      expect(wrong.status).toBe(401);
      expect(wrong.body.error).toBe("signature_mismatch");
      expect(JSON.stringify(wrong.body)).not.toContain(SECRET);
    }
    expect(listener).not.toHaveBeenCalled();
    expect(errors.map((e) => e.code)).toEqual([
      "signature_missing",
      "signature_mismatch",
      "signature_missing",
      "signature_mismatch",
      "signature_missing",
      "signature_mismatch",
    ]);
  });

  test("an invalid typed delivery is refused 400 invalid_payload with the hook's path", async () => {
    const { receiver, post, errors } = setup();
    const listener = jest.fn();
    receiver.on("SMS/INTERNATIONAL_DELIVERY_RECEIPT", listener);
    const d = nhnCloudDelivery("SMS/INTERNATIONAL_DELIVERY_RECEIPT", {
      secret: SECRET,
      rawOverrides: { hooks: [{ ...nhnCloudPayload("SMS/INTERNATIONAL_DELIVERY_RECEIPT").hooks[0]!, recipientSeq: "first" }] },
    });
    const res = await post(d);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_payload");
    expect(listener).not.toHaveBeenCalled();
    expect(errors[0]!.issues?.map((issue) => issue.path.join("."))).toEqual(["hooks.0.recipientSeq"]);
  });

  test("an invalid envelope is refused 400 invalid_envelope", async () => {
    const { post, errors } = setup();
    const d = nhnCloudDelivery("SMS/UNSUBSCRIBE", { secret: SECRET });
    const { hooksId: _dropped, ...rest } = d.payload;
    const res = await post({ headers: d.headers, body: JSON.stringify(rest) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_envelope");
    expect(errors.map((e) => e.code)).toEqual(["invalid_envelope"]);
  });

  test("without a secret the factory throws, unless allowUnauthenticated is set", async () => {
    // @ts-expect-error -- no secret is a compile error; this checks the start-up error JavaScript callers get
    expect(() => createNhnCloudReceiver({})).toThrow(/createNhnCloudReceiver: set secret, or allowUnauthenticated/);
    const { receiver, post } = setup({ allowUnauthenticated: true });
    const listener = jest.fn();
    receiver.on("SMS/CONVERSION_BLOCK", listener);
    expect((await post(nhnCloudDelivery("SMS/CONVERSION_BLOCK"))).status).toBe(200);
    expect(listener).toHaveBeenCalledTimes(1);
  });

  test("on() accepts only product/event names, at compile time and at run time", () => {
    const receiver: NhnCloudReceiver = createNhnCloudReceiver({ secret: SECRET });
    // @ts-expect-error a bare event name is ambiguous (SMS, Email and Kakao all send it).
    expect(() => receiver.on("MESSAGE_RESULT_UPDATE", () => undefined)).toThrow(/onAny/);
    expect(receiver.provider).toBe("nhn-cloud");
  });

  test("the Kakao-only receiver is unchanged: bare event names, and a sibling product's delivery is not its concern", async () => {
    const { receiver, post } = mount(createKakaoBizmessageReceiver({ secret: SECRET }), "/hooks/kakao");
    const named: string[] = [];
    const any: string[] = [];
    receiver.on("MESSAGE_RESULT_UPDATE", (e) => named.push(e.name));
    receiver.onAny((e) => any.push(e.name));
    expect((await post(kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: SECRET }))).status).toBe(200);
    expect((await post(nhnCloudDelivery("SMS/UNSUBSCRIBE", { secret: SECRET }))).status).toBe(200);
    // Why the NHN receiver exists: SMS's MESSAGE_RESULT_UPDATE fails Kakao's hooks schema here.
    const sms = await post(nhnCloudDelivery("SMS/MESSAGE_RESULT_UPDATE", { secret: SECRET }));
    expect(sms.status).toBe(400);
    expect(sms.body.error).toBe("invalid_payload");
    expect(named).toEqual(["MESSAGE_RESULT_UPDATE"]);
    expect(any).toEqual(["MESSAGE_RESULT_UPDATE", "UNSUBSCRIBE"]);
  });
});
