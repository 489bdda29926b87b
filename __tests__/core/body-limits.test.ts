import express from "express";
import request from "supertest";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { bodyOf, headerTestReceiver } from "../fixtures/test-receiver.js";

// Issue 12, item 5: everything accepted can be stored; a body nested too deep is refused up
// front with a final 4xx, in every format and however it arrives.
const json = { "x-test-secret": "s", "content-type": "application/json" };
const form = { "x-test-secret": "s", "content-type": "application/x-www-form-urlencoded" };
const deepJson = (levels: number) => `{"kind":"pong","id":"1","deep":${"[".repeat(levels)}${"]".repeat(levels)}}`;

describe("receive(): depth and size limits", () => {
  test.each([true, false])("JSON nested 100,000 deep: 400 body_too_deep, listener not called (resends: %p)", async (resends) => {
    const receiver = headerTestReceiver({ secret: "s" }, resends);
    const listener = jest.fn();
    receiver.onAny(listener);
    const response = await receiver.receive({ method: "POST", headers: json, body: deepJson(100_000) });
    expect([response.status, bodyOf(response)["error"]]).toEqual([400, "body_too_deep"]);
    expect(listener).not.toHaveBeenCalled();
  });

  test("a body another middleware parsed is held to the same depth", async () => {
    const receiver = headerTestReceiver({ secret: "s" }, true);
    const response = await receiver.receive({ method: "POST", headers: json, body: JSON.parse(deepJson(100)) as object });
    expect([response.status, bodyOf(response)["error"]]).toEqual([400, "body_too_deep"]);
    const flat = await receiver.receive({ method: "POST", headers: form, body: { kind: "pong", ["a" + "[b]".repeat(100)]: "1" } });
    expect([flat.status, bodyOf(flat)["error"]]).toEqual([400, "body_too_deep"]);
  });

  test("a form key nested past maxDepth: 400; maxDepth is an option", async () => {
    const body = `kind=pong&id=2&${"a" + "[b]".repeat(10)}=1`;
    const strict = headerTestReceiver({ secret: "s", maxDepth: 8 }, true);
    const refused = await strict.receive({ method: "POST", headers: form, body });
    expect([refused.status, bodyOf(refused)["error"]]).toEqual([400, "body_too_deep"]);
    const roomy = headerTestReceiver({ secret: "s" }, true);
    expect((await roomy.receive({ method: "POST", headers: form, body })).status).toBe(200);
    const deepJsonOk = headerTestReceiver({ secret: "s", maxDepth: 200 }, true);
    expect((await deepJsonOk.receive({ method: "POST", headers: json, body: deepJson(150) })).status).toBe(200);
  });

  test("a form building more than its size allows: 413 body_too_large", async () => {
    const receiver = headerTestReceiver({ secret: "s" }, true);
    // 300 fields, each an object holding the key "1000" (~1,500 element slots each).
    const body = "kind=pong&id=3&" + Array.from({ length: 300 }, (_, i) => `z[k${i}][1000]=`).join("&");
    const response = await receiver.receive({ method: "POST", headers: form, body });
    expect([response.status, bodyOf(response)["error"]]).toEqual([413, "body_too_large"]);
  });
});

describe("Express: behind a global express.json(), a deep body is still refused", () => {
  test("400 body_too_deep, not a delivery", async () => {
    const receiver = createMisskeyReceiver({ secret: "deep-secret" });
    const notes: unknown[] = [];
    receiver.on("note", (event) => notes.push(event));
    const app = express();
    app.use(express.json());
    app.use("/hooks/misskey", receiver.router);
    const d = misskeyDelivery("note", { secret: "deep-secret" });
    const body = (d.body as string).replace(/}$/, `,"zz":${"[".repeat(1000)}${"]".repeat(1000)}}`);
    const res = await request(app).post("/hooks/misskey").set(d.headers).send(body);
    expect([res.status, (res.body as { error?: string }).error]).toEqual([400, "body_too_deep"]);
    expect(notes).toHaveLength(0);
  });
});
