import { loose } from "../../lib/index.js";
import { misskeyDelivery, oneInboxDelivery } from "../../lib/testing/index.js";
import { applyOverrides } from "../../lib/testing/overrides.js";

describe("sample overrides", () => {
  test("overrides merge nested objects, replace arrays and remove fields set to undefined", () => {
    const base = { a: { b: 1, c: 2 }, list: [1, 2, 3], gone: "x" };
    expect(applyOverrides(base, { overrides: { a: { b: 9 }, list: [4], gone: undefined } })).toEqual({ a: { b: 9, c: 2 }, list: [4] });
    expect(base).toEqual({ a: { b: 1, c: 2 }, list: [1, 2, 3], gone: "x" });
  });

  test("rawOverrides are merged after overrides, unchecked", () => {
    const merged = applyOverrides({ a: { b: 1 } }, { overrides: { a: { b: 2 } }, rawOverrides: { a: { b: "three", extra: true } } });
    expect(merged).toEqual({ a: { b: "three", extra: true } });
  });

  test("a builder's payload and body carry both", () => {
    const d = misskeyDelivery("note", { overrides: { body: { note: { text: "hi" } } }, rawOverrides: { body: { note: { poll: null } } } });
    expect(d.payload.body.note.text).toBe("hi");
    expect(loose(d.payload.body.note).poll).toBeNull();
    expect(JSON.parse(d.body.toString())).toMatchObject({ body: { note: { text: "hi", poll: null, user: { username: "alice" } } } });
  });

  test("overrides take the payload as the provider sends it (a numeric call_id)", () => {
    const d = oneInboxDelivery("call.ended", { overrides: { call_id: 4711 } });
    expect(JSON.parse(d.body.toString())).toMatchObject({ event: "call.ended", call_id: 4711 });
  });
});
