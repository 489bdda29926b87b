// Compiled by `tsc --noEmit` (npm test), never run: the mistakes the types must catch.
// Every `@ts-expect-error` fails the build if its line ever compiles.
import { expectTypeOf } from "expect-type";
import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
  loose,
} from "../../lib/index.js";
import type { KakaoBizmessagePayloads, KakaoTemplateUpdatePayload } from "../../lib/providers/kakao-bizmessage/index.js";
import type { MisskeyEventName, MisskeyEvents, MisskeyNote, MisskeyPayloads } from "../../lib/providers/misskey/index.js";
import type { OkskyEventName, OkskyMessage, OkskyPayloads } from "../../lib/providers/oksky/index.js";
import type { OneInboxEventName, OneInboxPayloads } from "../../lib/providers/oneinbox/index.js";
import type { PokepayEventName, PokepayPayloads } from "../../lib/providers/pokepay/index.js";
import {
  kakaoBizmessageDelivery,
  kakaoTemplateUpdateDelivery,
  misskeyDelivery,
  okskyDelivery,
  oneInboxDelivery,
  pokepayDelivery,
} from "../../lib/testing/index.js";

declare const maybeSecret: string | undefined;
declare function use(...values: unknown[]): void;

// ---- Payload types have no index signatures: a misspelt field does not compile. ----

/** Every path in `T` that has an index signature (a record), e.g. "body.note.reactions". */
type IndexedPaths<T, Path extends string = ""> = T extends readonly (infer E)[]
  ? IndexedPaths<E, `${Path}[]`>
  : T extends object
    ? | (string extends keyof T ? Path : never)
      | { [K in keyof T & string]-?: IndexedPaths<T[K], Path extends "" ? K : `${Path}.${K}`> }[keyof T & string]
    : never;

// Only the genuine maps remain (reaction → count; OK SKY's free-form `info`).
expectTypeOf<IndexedPaths<MisskeyPayloads[MisskeyEventName]>>().toEqualTypeOf<"body.note.reactions">();
expectTypeOf<IndexedPaths<OkskyPayloads[OkskyEventName]>>().toEqualTypeOf<"object.info">();
expectTypeOf<IndexedPaths<KakaoBizmessagePayloads["MESSAGE_RESULT_UPDATE"] | KakaoTemplateUpdatePayload>>().toEqualTypeOf<never>();
expectTypeOf<IndexedPaths<OneInboxPayloads[OneInboxEventName]>>().toEqualTypeOf<never>();
expectTypeOf<IndexedPaths<PokepayPayloads[PokepayEventName]>>().toEqualTypeOf<never>();

const misskey = createMisskeyReceiver({ secret: "s" });
misskey.on("note", (e) => {
  expectTypeOf(e.payload.body.note.text).toEqualTypeOf<string | null>();
  // @ts-expect-error: a typo in a field name
  use(e.payload.body.note.txt);
  // @ts-expect-error: a typo in the envelope
  use(e.payload.evenId);
  // Fields the schema does not name are kept at runtime, and reached through loose():
  expectTypeOf(loose(e.payload.body.note).poll).toEqualTypeOf<unknown>();
  expectTypeOf(loose(e.payload.body.note).text).toEqualTypeOf<string | null>();
  expectTypeOf(loose(e.payload).body.note.id).toEqualTypeOf<string>();
});
misskey.on("inactiveModeratorsInvitationOnlyChanged", (e) => {
  // @ts-expect-error: an empty body schema names no field
  use(e.payload.body.anything);
  expectTypeOf(loose(e.payload.body).anything).toEqualTypeOf<unknown>();
});
// @ts-expect-error: exported payload types have no index signature either
export type Typo = MisskeyNote["txt"];
// @ts-expect-error: nor OK SKY's
export type OkskyTypo = OkskyMessage["contnet"];

createOkskyReceiver({ secret: "s" }).on("Message.create", (e) => {
  // @ts-expect-error: a typo in a field name
  use(e.payload.object.contnet);
  // @ts-expect-error: settings names src_url, alt and type only
  use(e.payload.object.settings.source);
});
createKakaoBizmessageReceiver({ secret: "s" }).on("MESSAGE_RESULT_UPDATE", (e) => {
  // @ts-expect-error: resultCode, not resultcode
  use(e.payload.hooks[0]?.resultcode);
});
createOneInboxReceiver({ auth: { token: "t" } }).on("call.ended", (e) => {
  // @ts-expect-error: call_id, not callId
  use(e.payload.callId);
});
createPokepayReceiver({ auth: { token: "t" } }).on("process_user_stats_operation", (e) => {
  // @ts-expect-error: operation_id, not operationId
  use(e.payload.operationId);
});

// ---- e.id is a string where the provider always sends one. ----

expectTypeOf<MisskeyEvents["note"]["id"]>().toEqualTypeOf<string>();
misskey.onAny((e) => {
  // Misskey's eventId is part of the envelope: unknown events have it too.
  expectTypeOf(e.id).toEqualTypeOf<string>();
});
createKakaoBizmessageReceiver({ secret: "s" }).onAny((e) => {
  expectTypeOf(e.id).toEqualTypeOf<string>();
});
const oneinbox = createOneInboxReceiver({ auth: { token: "t" } });
oneinbox.on(["call.started", "transcript.partial"], (e) => {
  expectTypeOf(e.id).toEqualTypeOf<string>();
});
oneinbox.onAny((e) => {
  // A known event has a call_id; a delivery of an unknown event may not.
  if (e.known) expectTypeOf(e.id).toEqualTypeOf<string>();
  else expectTypeOf(e.id).toEqualTypeOf<string | undefined>();
});
createOkskyReceiver({ secret: "s" }).on("Message.create", (e) => {
  // @ts-expect-error: OK SKY sends no delivery id
  const id: string = e.id;
  use(id);
});
createPokepayReceiver({ auth: { token: "t" } }).on("bulk_shops", (e) => {
  // @ts-expect-error: Pokepay sends an operation_id only for some tasks
  const id: string = e.id;
  use(id);
});

// ---- A receiver without secret/auth does not compile unless allowUnauthenticated: true. ----

// @ts-expect-error: no secret
createMisskeyReceiver({});
// @ts-expect-error: no secret (the other options do not stand in for one)
createOkskyReceiver({ limit: "1mb" });
// @ts-expect-error: no secret
createKakaoBizmessageReceiver({ dedupe: false });
// @ts-expect-error: an unset environment variable (string | undefined) is no secret
createMisskeyReceiver({ secret: maybeSecret });
// @ts-expect-error: false is no opt-out
createMisskeyReceiver({ allowUnauthenticated: false });
// @ts-expect-error: no auth, and no opt-out
createOneInboxReceiver({});
// @ts-expect-error: no auth, and no opt-out
createPokepayReceiver({ ack: "immediate" });
// Helpers that add the secret themselves keep compiling:
declare const shared: Omit<Parameters<typeof createMisskeyReceiver>[0], "secret">;
createMisskeyReceiver({ secret: ({ params }) => params["tenant"], ...shared });
declare const sharedGeneric: Omit<Parameters<typeof createOneInboxReceiver>[0], "auth">;
createOneInboxReceiver({ auth: { token: "t" }, ...sharedGeneric });
createMisskeyReceiver({ allowUnauthenticated: true });
createOkskyReceiver({ secret: "s", allowUnauthenticated: false });
createKakaoBizmessageReceiver({ allowUnauthenticated: true, limit: "64kb" });
createOneInboxReceiver({ allowUnauthenticated: true });
createPokepayReceiver({ auth: { allowIps: ["10.0.0.0/8"] }, allowUnauthenticated: false });
createMisskeyReceiver({ secret: maybeSecret ?? "" });

// ---- /testing overrides are a deep partial of the payload. ----

misskeyDelivery("note", { secret: "s", overrides: { body: { note: { text: "hi" } } } });
misskeyDelivery("note", { overrides: { eventId: undefined } }); // undefined removes a field
// @ts-expect-error: a typo in a nested override
misskeyDelivery("note", { overrides: { body: { note: { txt: "hi" } } } });
// @ts-expect-error: a wrong type in an override
misskeyDelivery("note", { overrides: { body: { note: { text: 42 } } } });
// @ts-expect-error: follow has a user, not a note
misskeyDelivery("follow", { overrides: { body: { note: { text: "hi" } } } });
// rawOverrides is the unchecked way, for fields the schema does not name or values it refuses:
misskeyDelivery("note", { rawOverrides: { body: { note: { poll: { choices: [] }, text: 42 } } } });

// Overrides are typed as the provider sends the payload: OK SKY's ids may be numeric strings.
okskyDelivery("Message.create", { overrides: { object: { room_id: "3157", content: "hi" } } });
// @ts-expect-error: a typo in an OK SKY override
okskyDelivery("Message.create", { overrides: { object: { contnet: "hi" } } });
kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { overrides: { productName: "KakaoTalk Bizmessage" } });
// @ts-expect-error: hooksId, not hookId, is the envelope's
kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { overrides: { hookId: "x" } });
// @ts-expect-error: a typo in a template update override
kakaoTemplateUpdateDelivery("TEMPLATE_STATUS_UPDATE", { overrides: { hook: [] } });
oneInboxDelivery("call.ended", { overrides: { call_id: 4711, duration_seconds: "87.5" } });
// @ts-expect-error: a typo in a OneInbox override
oneInboxDelivery("call.ended", { overrides: { duration: 87 } });
pokepayDelivery("process_user_stats_operation", { overrides: { status: "terminated" } });
// @ts-expect-error: a typo in a Pokepay override
pokepayDelivery("process_user_stats_operation", { overrides: { operationId: "x" } });
