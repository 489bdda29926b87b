// Compiled by `tsc --noEmit` (npm test), never run: event groups as users meet them.
import { expectTypeOf } from "expect-type";
import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
  type AnyEvent,
  type EventGroup,
  type EventPattern,
} from "../../lib/index.js";
import type { MisskeyEventSchemas, MisskeyMeta } from "../../lib/providers/misskey/index.js";
import type { OkskyEventName, OkskyEvents } from "../../lib/providers/oksky/index.js";
import type { OneInboxEventName, OneInboxEvents } from "../../lib/providers/oneinbox/index.js";
import type { PokepayEventName } from "../../lib/providers/pokepay/index.js";

const oksky = createOkskyReceiver({ secret: "s" });

oksky.on("Message.*", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"Message.create" | "Message.update">();
  expectTypeOf(e).toEqualTypeOf<OkskyEvents["Message.create"] | OkskyEvents["Message.update"]>();
  expectTypeOf(e.payload.object.content).toExtend<string | null | undefined>();
  if (e.name === "Message.update") expectTypeOf(e.payload.action).toEqualTypeOf<"update">();
});
// The prefix ends at the separator: MessageEvent.* is its own group.
oksky.on("MessageEvent.*", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"MessageEvent.create" | "MessageEvent.update">();
});
// Names and groups mix; the listener gets the union.
oksky.on(["Room.*", "Support.create"], (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"Room.create" | "Room.update" | "Support.create">();
});
oksky.on("*", (e) => {
  expectTypeOf(e).toEqualTypeOf<Parameters<Parameters<typeof oksky.onAny>[0]>[0]>();
  if (!e.known) expectTypeOf(e.payload).toEqualTypeOf<unknown>();
});
expectTypeOf<EventGroup<OkskyEventName>>().toEqualTypeOf<
  "Message.*" | "Room.*" | "Support.*" | "Customer.*" | "User.*" | "MessageEvent.*"
>();
// @ts-expect-error: a typo'd group does not compile (and throws at registration)
oksky.on("Mesage.*", () => {});
// @ts-expect-error: a bare object name is not a group (README, Event groups)
oksky.on("Message", () => {});
// @ts-expect-error: a group ends at a separator
oksky.on("Mess*", () => {});
// @ts-expect-error: the listener of a group cannot claim one event of it
oksky.on("Message.*", (e: OkskyEvents["Message.create"]) => e);
// off() takes the same patterns.
const onMessages = (e: OkskyEvents["Message.create" | "Message.update"]) => e.payload.object.id;
oksky.on("Message.*", onMessages).off("Message.*", onMessages).off(onMessages);
// @ts-expect-error: "*" is every event: a listener of Message events alone was never added there
oksky.off("*", onMessages);
// @ts-expect-error: off() refuses a typo'd group too
oksky.off("Mesage.*", onMessages);

const oneinbox = createOneInboxReceiver({ auth: { token: "t" } });
oneinbox.on("call.*", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"call.started" | "call.ended" | "call.analyzed" | "call.failed" | "call.recording.available">();
  expectTypeOf(e.payload.call_id).toEqualTypeOf<string>();
  if (e.name === "call.recording.available") expectTypeOf(e.payload.recording_url).toEqualTypeOf<string>();
});
oneinbox.on("transcript.*", (e) => {
  expectTypeOf(e).toEqualTypeOf<OneInboxEvents["transcript.partial" | "transcript.final"]>();
  expectTypeOf(e.payload.messages[0]!.content).toEqualTypeOf<string>();
});
oneinbox.on("call.recording.*", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"call.recording.available">();
});
expectTypeOf<EventGroup<OneInboxEventName>>().toEqualTypeOf<"call.*" | "call.recording.*" | "transcript.*">();

// Names without a separator make no groups; `on("note")` still autocompletes its payload.
const misskey = createMisskeyReceiver({ secret: "s" });
misskey.on("note", (e) => {
  expectTypeOf(e.payload.body.note.text).toEqualTypeOf<string | null>();
});
misskey.on("*", (e) => {
  expectTypeOf(e).toEqualTypeOf<AnyEvent<"misskey", MisskeyEventSchemas, MisskeyMeta, string>>();
});
expectTypeOf<EventGroup<keyof MisskeyEventSchemas>>().toBeNever();
// @ts-expect-error: Misskey has no groups
misskey.on("note.*", () => {});
expectTypeOf<EventGroup<PokepayEventName>>().toBeNever();
createPokepayReceiver({ allowUnauthenticated: true }).on("*", (e) => e.name);
createKakaoBizmessageReceiver({ secret: "s" }).on("*", (e) => e.name);

// The pattern type itself: names, their groups, and "*".
expectTypeOf<EventPattern<"a.b" | "a:c/d" | "e">>().toEqualTypeOf<"a.b" | "a:c/d" | "e" | "a.*" | "a:*" | "a:c/*" | "*">();
// A receiver typed over any string keys takes any string.
expectTypeOf<EventPattern<string>>().toEqualTypeOf<string>();
