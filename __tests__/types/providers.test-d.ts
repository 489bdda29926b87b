// Compiled by `tsc --noEmit` (npm test), never run: each provider's events as users meet them.
import { expectTypeOf } from "expect-type";
import {
  createKakaoBizmessageReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
  createOkskyReceiver,
  isKakaoTemplateUpdate,
} from "../../lib/index.js";

const kakao = createKakaoBizmessageReceiver({ secret: ["new", "old"] });
kakao.on("MESSAGE_RESULT_UPDATE", (e) => {
  expectTypeOf(e.id).toEqualTypeOf<string>();
  const hook = e.payload.hooks[0];
  if (hook) {
    expectTypeOf(hook.recipientSeq).toEqualTypeOf<number>();
    expectTypeOf(hook.requestId).toEqualTypeOf<string>();
  }
  expectTypeOf(e.meta.productName).toEqualTypeOf<string>();
});
kakao.onAny((e) => {
  if (isKakaoTemplateUpdate(e)) expectTypeOf(e.payload.hooks[0]!.templateCode).toEqualTypeOf<string>();
});

const oneinbox = createOneInboxReceiver({ auth: { token: "t" } });
oneinbox.on("call.ended", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"call.ended">();
  expectTypeOf(e.payload.call_id).toEqualTypeOf<string>();
  expectTypeOf(e.id).toEqualTypeOf<string>();
});
oneinbox.on(["transcript.partial", "transcript.final"], (e) => {
  expectTypeOf(e.payload.messages[0]!.role).toExtend<string>();
  expectTypeOf(e.payload.messages[0]!.content).toEqualTypeOf<string>();
});

const pokepay = createPokepayReceiver({ auth: { basic: { username: "u", password: "p" }, allowIps: ["10.0.0.0/8"] } });
pokepay.on("process_user_stats_operation", (e) => {
  expectTypeOf(e.payload.task).toEqualTypeOf<"process_user_stats_operation">();
  expectTypeOf(e.payload.operation_id).toEqualTypeOf<string | null | undefined>();
  expectTypeOf(e.id).toEqualTypeOf<string | undefined>();
});

createOneInboxReceiver({ allowUnauthenticated: true });
createPokepayReceiver({ auth: { verify: async (request) => request.rawBody !== undefined } });
// @ts-expect-error: a Pokepay task, not a OneInbox event
oneinbox.on("bulk_shops", () => {});
// @ts-expect-error: header-secret providers take `secret`, not `auth`
createKakaoBizmessageReceiver({ auth: { token: "t" } });

const oksky = createOkskyReceiver({ secret: "s" });
oksky.on("Message.create", (e) => {
  expectTypeOf(e.payload.object.id).toEqualTypeOf<number>();
  expectTypeOf(e.payload.object.content).toExtend<string | null | undefined>();
  expectTypeOf(e.meta.subdomain).toEqualTypeOf<string | undefined>();
  expectTypeOf(e.id).toEqualTypeOf<string | undefined>();
});
oksky.on(["Room.create", "Room.update"], (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"Room.create" | "Room.update">();
  expectTypeOf(e.payload.object.id).toEqualTypeOf<number>();
});
// @ts-expect-error: event names are `<object_name>.<action>`
oksky.on("message.create", () => {});
