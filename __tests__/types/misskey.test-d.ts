// Compiled by `tsc --noEmit` (npm test), never run: the public types as users meet them.
import { expectTypeOf } from "expect-type";
import { createMisskeyReceiver, isWebhookError, type WebhookError } from "../../lib/index.js";
import type { MisskeyEvents } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/index.js";

const misskey = createMisskeyReceiver({ secret: "s" });

misskey.on("note", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"note">();
  expectTypeOf(e.provider).toEqualTypeOf<"misskey">();
  expectTypeOf(e.payload.body.note.text).toEqualTypeOf<string | null>();
  expectTypeOf(e.payload.eventId).toEqualTypeOf<string>();
  expectTypeOf(e.id).toEqualTypeOf<string>();
  expectTypeOf(e.meta.host).toEqualTypeOf<string | undefined>();
  expectTypeOf(e.receivedAt).toEqualTypeOf<Date>();
});

misskey.on(["follow", "followed"], (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"follow" | "followed">();
  expectTypeOf(e.payload.body.user.username).toEqualTypeOf<string>();
});

misskey.on("inactiveModeratorsWarning", (e) => {
  expectTypeOf(e.payload.body.remainingTime.asDays).toEqualTypeOf<number>();
});

misskey.onAny((e) => {
  if (e.known && e.name === "note") expectTypeOf(e.payload.body.note.id).toEqualTypeOf<string>();
  if (!e.known) expectTypeOf(e.payload).toEqualTypeOf<unknown>();
});

misskey.onError((error) => {
  expectTypeOf(error).toEqualTypeOf<WebhookError>();
  expectTypeOf(error.code).toExtend<string>();
});

expectTypeOf<MisskeyEvents["renote"]["payload"]["body"]["note"]["renoteId"]>().toEqualTypeOf<string | null | undefined>();
expectTypeOf(isWebhookError).guards.toEqualTypeOf<WebhookError>();

// @ts-expect-error: not a Misskey event
misskey.on("Message.create", () => {});
misskey.on("note", (e) => {
  // @ts-expect-error: text may be null
  const text: string = e.payload.body.note.text;
  return text;
});
// @ts-expect-error: options are checked
createMisskeyReceiver({ secret: 42 });
// @ts-expect-error: unknown option
createMisskeyReceiver({ secret: "s", secrets: ["a"] });

// Sharkey's `edited` is typed like `note`.
misskey.on("edited", (e) => {
  expectTypeOf(e.name).toEqualTypeOf<"edited">();
  expectTypeOf(e.payload.body.note.text).toEqualTypeOf<string | null>();
  expectTypeOf(e.meta.software).toEqualTypeOf<"misskey" | "sharkey" | "firefish" | "iceshrimp" | "unknown">();
  return e.payload.body.note.text;
});
// @ts-expect-error: the builder imitates only the servers it knows
misskeyDelivery("note", { software: "pleroma" });
misskeyDelivery("edited", { secret: "s", software: "sharkey" });
