import { describeGenericAuth } from "../fixtures/generic-auth-suite.js";
import { mount } from "../fixtures/mount.js";
import { randomUUID } from "node:crypto";
import express from "express";
import { createPokepayReceiver, type PokepayEventName, type PokepayReceiverOptions } from "../../lib/providers/pokepay/index.js";
import { loose } from "../../lib/index.js";
import { pokepayDelivery, pokepayEventNames, pokepayPayload } from "../../lib/testing/samples/pokepay.js";

const TOKEN = "pokepay-token";

function setup(options: PokepayReceiverOptions = { auth: { token: TOKEN } }, configure?: (app: express.Express) => void) {
  return mount(createPokepayReceiver(options), "/hooks/pokepay", configure);
}

const json = (payload: unknown, headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` }) => ({
  headers: { ...headers, "content-type": "application/json" },
  body: JSON.stringify(payload),
});

describe("Pokepay receiver: events", () => {
  test("samples cover every documented task", () => {
    expect(pokepayEventNames).toEqual(["bulk_shops", "process_user_stats_operation"]);
    expect(pokepayPayload("bulk_shops")).toEqual({ task: "bulk_shops" });
    expect(pokepayPayload("process_user_stats_operation").operation_id).not.toBe(
      pokepayPayload("process_user_stats_operation").operation_id,
    );
  });

  test.each(pokepayEventNames)("%s reaches on() with its typed payload", async (name: PokepayEventName) => {
    const { receiver, post } = setup();
    const seen: unknown[] = [];
    receiver.on(name, (e) => {
      seen.push({ name: e.name, task: e.payload.task, id: e.id, operationId: e.payload.operation_id, userAgent: e.meta.userAgent });
    });
    const d = pokepayDelivery(name, { token: TOKEN });
    const res = await post({ ...d, headers: { ...d.headers, "user-agent": "Pokepay" } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
    const operationId = d.payload.operation_id ?? undefined;
    expect(seen).toEqual([{ name, task: name, id: operationId, operationId, userAgent: "Pokepay" }]);
  });

  test("a terminated user-stats task is typed, and extra fields pass through", async () => {
    const { receiver, post } = setup();
    const seen: unknown[] = [];
    receiver.on("process_user_stats_operation", (e) => {
      if (e.payload.status === "terminated") seen.push(["terminated", e.payload.operation_id, loose(e.payload).reason]);
      else seen.push([e.payload.status]);
    });
    const d = pokepayDelivery("process_user_stats_operation", { token: TOKEN, rawOverrides: { reason: "timeout" } });
    await post(d);
    await post(
      pokepayDelivery("process_user_stats_operation", { token: TOKEN, overrides: { operation_id: randomUUID(), status: "completed" } }),
    );
    expect(seen).toEqual([["terminated", d.payload.operation_id, "timeout"], ["completed"]]);
  });

  test("unknown tasks reach onAny only, with 200", async () => {
    const { receiver, post } = setup();
    const named = jest.fn();
    receiver.on(["bulk_shops", "process_user_stats_operation"], named);
    const any: { name: string; known: boolean }[] = [];
    receiver.onAny((e) => {
      any.push({ name: e.name, known: e.known });
    });
    expect((await post(json({ task: "bulk_customers" }))).status).toBe(200);
    expect(named).not.toHaveBeenCalled();
    expect(any).toEqual([{ name: "bulk_customers", known: false }]);
  });
});

describe("Pokepay receiver: dedupe and answers", () => {
  test("a terminated user-stats task resent with its operation_id is a duplicate", async () => {
    const { receiver, post } = setup();
    const listener = jest.fn();
    receiver.on("process_user_stats_operation", listener);
    const d = pokepayDelivery("process_user_stats_operation", { token: TOKEN });
    expect((await post(d)).body).toEqual({ ok: true });
    const again = await post(d);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    expect((await post(pokepayDelivery("process_user_stats_operation", { token: TOKEN }))).body).toEqual({ ok: true });
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test("two bulk_shops deliveries without operation_id are both dispatched", async () => {
    const { receiver, post } = setup();
    const ids: (string | undefined)[] = [];
    receiver.on("bulk_shops", (e) => {
      ids.push(e.id);
    });
    const d = pokepayDelivery("bulk_shops", { token: TOKEN });
    expect((await post(d)).body).toEqual({ ok: true });
    expect((await post(d)).body).toEqual({ ok: true });
    expect((await post(json({ task: "bulk_shops", operation_id: null }))).body).toEqual({ ok: true });
    expect(ids).toEqual([undefined, undefined, undefined]);
  });

  test("a failing listener gets 500 handler_failed, and a resend is dispatched again", async () => {
    const { receiver, post, errors } = setup();
    let calls = 0;
    receiver.on("process_user_stats_operation", () => {
      calls++;
      if (calls === 1) throw new Error("stats store down");
    });
    const d = pokepayDelivery("process_user_stats_operation", { token: TOKEN });
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
    receiver.on("process_user_stats_operation", listener);
    const res = await post(json({ task: "process_user_stats_operation", operation_id: "op-1", status: 3 }));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_payload");
    expect(listener).not.toHaveBeenCalled();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.code).toBe("invalid_payload");
    expect(errors[0]!.event?.id).toBe("op-1");
    expect(errors[0]!.issues?.map((issue) => issue.path.join(".")).sort()).toEqual(["operation_id", "status"]);
  });

  test.each<[string, unknown]>([
    ["no task", { operation_id: randomUUID() }],
    ["an empty task", { task: "" }],
    ["a numeric operation_id", { task: "bulk_shops", operation_id: 5 }],
    ["a list", [{ task: "bulk_shops" }]],
  ])("an invalid envelope (%s) is refused 400 invalid_envelope", async (_label, body) => {
    const { post, errors } = setup();
    const res = await post(json(body));
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid_envelope");
    expect(errors.map((e) => e.code)).toEqual(["invalid_envelope"]);
  });

  test("malformed JSON is 400 malformed_body; another content type is 415", async () => {
    const { post } = setup();
    const broken = await post({ headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" }, body: '{"task":' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toBe("malformed_body");
    const form = await post({
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
      body: "task=bulk_shops",
    });
    expect(form.status).toBe(415);
  });
});

describeGenericAuth({
  name: "pokepay",
  path: "/hooks/pokepay",
  create: (options) => createPokepayReceiver(options),
  delivery: (token) => pokepayDelivery("bulk_shops", token === undefined ? {} : { token }),
  otherDelivery: () => pokepayDelivery("process_user_stats_operation"),
});

describe("Pokepay receiver: events by name", () => {
  test("on() accepts only known names, at compile time and at run time", () => {
    const { receiver } = setup();
    // @ts-expect-error "bulk_customers" has no schema: it is for onAny.
    expect(() => receiver.on("bulk_customers", () => undefined)).toThrow(/onAny/);
    expect(receiver.provider).toBe("pokepay");
  });
});
