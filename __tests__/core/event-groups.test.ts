import type { WebhookError } from "../../lib/core/errors.js";
import { groupPrefix } from "../../lib/core/event-groups.js";
import type { WebhookEventBase } from "../../lib/core/types.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOkskyReceiver } from "../../lib/providers/oksky/index.js";
import { createOneInboxReceiver } from "../../lib/providers/oneinbox/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { okskyDelivery } from "../../lib/testing/samples/oksky.js";
import { oneInboxDelivery } from "../../lib/testing/samples/oneinbox.js";

const SECRET = "oksky-secret";

function oksky() {
  const receiver = createOkskyReceiver({ secret: SECRET });
  const errors: WebhookError[] = [];
  receiver.onError((error) => {
    errors.push(error);
  });
  return { receiver, errors };
}

const send = (receiver: { receive: ReturnType<typeof createOkskyReceiver>["receive"] }, delivery: Delivery) =>
  receiver.receive({ method: delivery.method, headers: delivery.headers, body: delivery.body });

/** An OK SKY delivery of an object/action pair the package has no schema for. */
const unknownOksky = (objectName: string, action: string): Delivery => ({
  ...okskyDelivery("Message.create", { secret: SECRET }),
  body: JSON.stringify({ action, object_name: objectName, object: { id: 1 } }),
});

describe("groups by the prefix before a separator", () => {
  test('OK SKY "Message.*" gets Message.create and Message.update, not Room.update nor MessageEvent.*', async () => {
    const { receiver, errors } = oksky();
    const names: string[] = [];
    receiver.on("Message.*", (event) => {
      names.push(event.name);
    });
    for (const name of ["Message.create", "Room.update", "Message.update", "MessageEvent.create"] as const) {
      expect((await send(receiver, okskyDelivery(name, { secret: SECRET }))).status).toBe(200);
    }
    expect(names).toEqual(["Message.create", "Message.update"]);
    expect(errors).toEqual([]);
  });

  test("the group's listener gets the validated, typed event as a name's listener does", async () => {
    const { receiver } = oksky();
    const byGroup: WebhookEventBase[] = [];
    const byName: WebhookEventBase[] = [];
    receiver.on("Message.*", (event) => byGroup.push(event));
    receiver.on("Message.create", (event) => byName.push(event));
    await send(receiver, okskyDelivery("Message.create", { secret: SECRET }));
    expect(byGroup).toHaveLength(1);
    expect(byGroup[0]).toBe(byName[0]);
    expect(byGroup[0]).toMatchObject({ known: true, name: "Message.create" });
  });

  test('OneInbox "call.*" and "transcript.*"; "call.*" includes call.recording.available, "call.recording.*" only that', async () => {
    const receiver = createOneInboxReceiver({ auth: { token: "t" } });
    const calls: string[] = [];
    const transcripts: string[] = [];
    const recordings: string[] = [];
    receiver.on("call.*", (event) => calls.push(event.name));
    receiver.on("transcript.*", (event) => transcripts.push(event.name));
    receiver.on("call.recording.*", (event) => recordings.push(event.name));
    const sent = [
      "call.started",
      "transcript.partial",
      "call.ended",
      "transcript.final",
      "call.analyzed",
      "call.failed",
      "call.recording.available",
    ] as const;
    for (const name of sent) expect((await send(receiver, oneInboxDelivery(name, { token: "t" }))).status).toBe(200);
    expect(calls).toEqual(["call.started", "call.ended", "call.analyzed", "call.failed", "call.recording.available"]);
    expect(transcripts).toEqual(["transcript.partial", "transcript.final"]);
    expect(recordings).toEqual(["call.recording.available"]);
  });

  test("an unknown event whose name fits a group reaches onAny only (a group is typed by its known events)", async () => {
    const { receiver, errors } = oksky();
    const group: string[] = [];
    const any: string[] = [];
    receiver.on("Message.*", (event) => group.push(event.name));
    receiver.onAny((event) => any.push(event.name));
    expect((await send(receiver, unknownOksky("Message", "destroy"))).status).toBe(200);
    expect(any).toEqual(["Message.destroy"]);
    expect(group).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('"*" is onAny', () => {
  test("it gets every event, known and unknown, as onAny does", async () => {
    const { receiver } = oksky();
    const star: WebhookEventBase[] = [];
    const any: WebhookEventBase[] = [];
    receiver.on("*", (event) => star.push(event));
    receiver.onAny((event) => any.push(event));
    await send(receiver, okskyDelivery("Room.update", { secret: SECRET }));
    await send(receiver, unknownOksky("MessageProvider", "destroy"));
    expect(star.map((event) => [event.name, event.known])).toEqual([
      ["Room.update", true],
      ["MessageProvider.destroy", false],
    ]);
    expect(star).toEqual(any);
  });

  test('on("*", f) and onAny(f) are one registration: f is called once; off("*", f) removes it', async () => {
    const { receiver } = oksky();
    const seen: string[] = [];
    const listener = (event: WebhookEventBase) => seen.push(event.name);
    receiver.on("*", listener).onAny(listener);
    await send(receiver, okskyDelivery("Room.update", { secret: SECRET }));
    expect(seen).toEqual(["Room.update"]);
    receiver.off("*", listener);
    await send(receiver, okskyDelivery("Room.update", { secret: SECRET }));
    expect(seen).toEqual(["Room.update"]);
  });
});

describe("registration", () => {
  test("a group no known event fits throws at on(), naming it; so does a bare object name, pointing to its group", () => {
    const { receiver } = oksky();
    // @ts-expect-error: a typo'd group does not compile either
    expect(() => receiver.on("Mesage.*", () => {})).toThrow(/oksky has no event in the group "Mesage\.\*"; use onAny\(\)/);
    // @ts-expect-error: only a separator ends a group
    expect(() => receiver.on("Mess*", () => {})).toThrow(/oksky has no event "Mess\*"; use onAny\(\)/);
    // @ts-expect-error: octokit's on("issues") style is not a group here (README, Event groups)
    expect(() => receiver.on("Message", () => {})).toThrow(
      /oksky has no event "Message"; on\("Message\.\*"\) takes every one of its events/,
    );
    // @ts-expect-error: Misskey names have no separator, so no groups
    expect(() => createMisskeyReceiver({ secret: "s" }).on("note.*", () => {})).toThrow(/misskey has no event in the group "note\.\*"/);
  });

  test("a throwing registration adds nothing, even for the names before the bad one", async () => {
    const { receiver } = oksky();
    const seen: string[] = [];
    // @ts-expect-error: "Mesage.*" is a typo
    expect(() => receiver.on(["Message.*", "Mesage.*"], (event: WebhookEventBase) => seen.push(event.name))).toThrow(TypeError);
    await send(receiver, okskyDelivery("Message.create", { secret: SECRET }));
    expect(seen).toEqual([]);
  });

  test("groupPrefix: a group is a prefix ending at . : or / followed by *", () => {
    expect(groupPrefix("*")).toBe("");
    expect(groupPrefix("Message.*")).toBe("Message.");
    expect(groupPrefix("sms:*")).toBe("sms:");
    expect(groupPrefix("a/b/*")).toBe("a/b/");
    expect(groupPrefix("Message")).toBeUndefined();
    expect(groupPrefix("Mess*")).toBeUndefined();
    expect(groupPrefix("a.*.*")).toBeUndefined();
  });
});

describe("calls and removal", () => {
  test("each registration is one call per delivery: name, then groups most specific first, then onAny", async () => {
    const receiver = createOneInboxReceiver({ auth: { token: "t" } });
    const calls: string[] = [];
    const listener = (tag: string) => () => calls.push(tag);
    const same = (event: WebhookEventBase) => calls.push(`same:${event.name}`);
    receiver.onAny(listener("any"));
    receiver.on("call.*", listener("call.*"));
    receiver.on("call.recording.*", listener("call.recording.*"));
    receiver.on("call.recording.available", listener("name"));
    // One listener, two registrations (a group twice in one list is one): two calls.
    receiver.on(["call.*", "call.*"], same).on("call.recording.available", same);
    await send(receiver, oneInboxDelivery("call.recording.available", { token: "t" }));
    expect(calls).toEqual(["name", "same:call.recording.available", "call.recording.*", "call.*", "same:call.recording.available", "any"]);
  });

  test("off(group, f) removes the group registration only; off(f) removes it everywhere", async () => {
    const { receiver } = oksky();
    const seen: string[] = [];
    const listener = (event: WebhookEventBase) => seen.push(event.name);
    receiver.on("Message.*", listener).on("Room.*", listener);
    receiver.off("Message.*", listener);
    await send(receiver, okskyDelivery("Message.create", { secret: SECRET }));
    await send(receiver, okskyDelivery("Room.create", { secret: SECRET }));
    expect(seen).toEqual(["Room.create"]);
    receiver.off(listener);
    await send(receiver, okskyDelivery("Room.create", { secret: SECRET }));
    expect(seen).toEqual(["Room.create"]);
  });

  test("a failing group listener is handled like any listener: handler_failed to onError (and 500 where the provider resends)", async () => {
    const { receiver, errors } = oksky();
    const failure = new Error("group listener failed");
    receiver.on("Message.*", () => {
      throw failure;
    });
    expect((await send(receiver, okskyDelivery("Message.update", { secret: SECRET }))).status).toBe(200);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "handler_failed", provider: "oksky", event: { name: "Message.update" }, cause: failure });

    const oneinbox = createOneInboxReceiver({ auth: { token: "t" } });
    const oneInboxErrors: WebhookError[] = [];
    oneinbox.onError((error) => oneInboxErrors.push(error));
    oneinbox.on("transcript.*", async () => {
      throw failure;
    });
    expect((await send(oneinbox, oneInboxDelivery("transcript.final", { token: "t" }))).status).toBe(500);
    expect(oneInboxErrors.map((error) => error.code)).toEqual(["handler_failed"]);
  });

  test("a receiver with no groups is unchanged: Misskey names reach their listeners, then onAny", async () => {
    const receiver = createMisskeyReceiver({ secret: "s" });
    const calls: string[] = [];
    receiver.onAny(() => calls.push("any"));
    receiver.on("note", () => calls.push("note"));
    expect((await send(receiver, misskeyDelivery("note", { secret: "s" }))).status).toBe(200);
    expect(calls).toEqual(["note", "any"]);
  });
});
