// Compiled by `tsc --noEmit` (npm test), never run: NHN Cloud's payload narrows per product and event.
import { expectTypeOf } from "expect-type";
import { createNhnCloudReceiver, isKakaoTemplateUpdate } from "../../lib/index.js";
import { nhnCloudDelivery } from "../../lib/testing/index.js";

const nhn = createNhnCloudReceiver({ secret: "s" });

nhn.on("SMS/MESSAGE_RESULT_UPDATE", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"SMS/MESSAGE_RESULT_UPDATE">();
  expectTypeOf(e.id).toEqualTypeOf<string>();
  const hook = e.payload.hooks[0]!;
  expectTypeOf(hook.recipientSeq).toEqualTypeOf<number>();
  expectTypeOf(hook.messageStatus).toExtend<string | null | undefined>();
  expectTypeOf(e.meta.product).toEqualTypeOf<string>();
  expectTypeOf(e.meta.event).toEqualTypeOf<string>();
  // An SMS result hook has no kakaoMessageType (that is Kakao's).
  expectTypeOf(hook).not.toHaveProperty("kakaoMessageType");
});
nhn.on("KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE", (e) => {
  const hook = e.payload.hooks[0]!;
  expectTypeOf(hook.kakaoMessageType).toExtend<string>();
  // A Kakao result hook has no messageStatus (that is SMS's).
  expectTypeOf(hook).not.toHaveProperty("messageStatus");
});
nhn.on("Email/MESSAGE_RESULT_UPDATE", (e) => {
  const hook = e.payload.hooks[0]!;
  expectTypeOf(hook.mailSeq).toEqualTypeOf<number>();
  expectTypeOf(hook.mailStatusCode).toExtend<string>();
  expectTypeOf(hook.receiveMailAddr).toEqualTypeOf<string>();
});
nhn.on("SMS/UNSUBSCRIBE", (e) => {
  expectTypeOf(e.payload.hooks[0]!.recipientNo).toEqualTypeOf<string>();
  // SMS opt-outs are phone numbers; receiveMailAddr is Email's.
  expectTypeOf(e.payload.hooks[0]!).not.toHaveProperty("receiveMailAddr");
});
nhn.on("Email/UNSUBSCRIBE", (e) => expectTypeOf(e.payload.hooks[0]!.receiveMailAddr).toEqualTypeOf<string>());
nhn.on("SMS/CONVERSION_BLOCK", (e) => expectTypeOf(e.payload.hooks[0]!.countryCode).toEqualTypeOf<string>());
nhn.on("SMS/INTERNATIONAL_DELIVERY_RECEIPT", (e) => expectTypeOf(e.payload.hooks[0]!.dlrStatus).toExtend<string>());
nhn.on(["SMS/UNSUBSCRIBE", "Email/UNSUBSCRIBE"], (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"SMS/UNSUBSCRIBE" | "Email/UNSUBSCRIBE">();
  expectTypeOf(e.payload.hooks[0]!.hookId).toEqualTypeOf<string>();
});
nhn.onAny((e) => {
  if (isKakaoTemplateUpdate(e)) expectTypeOf(e.payload.hooks[0]!.templateCode).toEqualTypeOf<string>();
});
// @ts-expect-error a bare event name is ambiguous across products.
nhn.on("MESSAGE_RESULT_UPDATE", () => {});
// @ts-expect-error Kakao's template event has no documented name, so no typed one.
nhn.on("KakaoTalk Bizmessage/TEMPLATE_STATUS_UPDATE", () => {});

expectTypeOf(nhnCloudDelivery("Email/UNSUBSCRIBE").payload.hooks[0]!.receiveMailAddr).toEqualTypeOf<string>();
// @ts-expect-error overrides are checked against the product's own hooks.
nhnCloudDelivery("SMS/CONVERSION_BLOCK", { overrides: { hooks: [{ mailSeq: 1 }] } });

// The README's NHN Cloud quick start, exactly as shown (so it cannot rot).
/* eslint-disable @typescript-eslint/no-confusing-void-expression -- one-line listeners that log, as the README shows them */
declare const app: import("express").Express;
declare const process: { env: Record<string, string | undefined> };
{
  const nhn = createNhnCloudReceiver({ secret: process.env.NHN_WEBHOOK_SIGNATURE! });
  nhn.on("SMS/MESSAGE_RESULT_UPDATE", (e) => {
    for (const hook of e.payload.hooks) console.log(hook.requestId, hook.recipientSeq, hook.messageStatus);
  });
  nhn.on("KakaoTalk Bizmessage/MESSAGE_RESULT_UPDATE", (e) => console.log(e.payload.hooks[0]?.kakaoMessageType));
  nhn.on(["SMS/UNSUBSCRIBE", "Email/UNSUBSCRIBE"], (e) => console.log(e.meta.product, e.payload.hooks));
  nhn.onAny((e) => {
    if (isKakaoTemplateUpdate(e)) console.log(e.payload.hooks[0]?.templateCode, e.payload.hooks[0]?.status);
  });
  app.use("/hooks/nhn", nhn.router); // register this one URL in each product's webhook settings
}
