import express from "express";
import request from "supertest";
import { createMisskeyReceiver } from "../lib/index.js";
import { misskeyDelivery } from "../lib/testing/index.js";

test("smoke", async () => {
  const misskey = createMisskeyReceiver({ secret: "s" });
  const seen: string[] = [];
  misskey.on("note", (e) => { seen.push(e.payload.body.note.text ?? ""); });
  const app = express();
  app.use("/hooks/misskey", misskey.router);
  const d = misskeyDelivery("note", { secret: "s" });
  const res = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
  expect(res.status).toBe(200);
  expect(seen).toEqual(["Hello, fediverse!"]);
  const dup = await request(app).post("/hooks/misskey").set(d.headers).send(d.body);
  expect(dup.body).toEqual({ ok: true, duplicate: true });
  const bad = await request(app).post("/hooks/misskey").set({ ...d.headers, "x-misskey-hook-secret": "x" }).send(d.body);
  expect(bad.status).toBe(401);
  expect(bad.body.error).toBe("signature_mismatch");
});
