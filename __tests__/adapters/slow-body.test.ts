import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { createMisskeyReceiver } from "../../lib/index.js";
import { misskeyDelivery } from "../../lib/testing/index.js";

// A body that drips in (one byte now and then) must not hold a socket for long.
let server: Server;
let port: number;
const seen: string[] = [];

beforeAll(async () => {
  const misskey = createMisskeyReceiver({ secret: "s", bodyTimeoutMs: 150 });
  misskey.on("note", (e) => void seen.push(e.id));
  const app = express();
  app.use("/hooks/misskey", misskey.router);
  server = app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

test("a slow-drip body is answered 408 request_timeout and its connection closed", async () => {
  const d = misskeyDelivery("note", { secret: "s" });
  const body = Buffer.from(d.body);
  const answer = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    const req = httpRequest(
      { port, host: "127.0.0.1", method: "POST", path: "/hooks/misskey", headers: { ...d.headers, "content-length": body.length } },
      (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => {
          resolve({ status: res.statusCode!, body: text, connection: res.headers.connection });
        });
      },
    );
    req.on("error", reject);
    let sent = 0;
    const drip = setInterval(() => {
      if (sent >= 5) {
        clearInterval(drip);
        return;
      }
      req.write(body.subarray(sent, sent + 1));
      sent += 1;
    }, 40);
    req.on("close", () => {
      clearInterval(drip);
    });
  });
  expect(answer.status).toBe(408);
  expect(JSON.parse(answer.body)).toMatchObject({ error: "request_timeout" });
  expect(answer.connection).toBe("close");
  expect(seen).toEqual([]);
});
