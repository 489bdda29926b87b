import { Writable } from "node:stream";
import pino from "pino";
import { createMisskeyReceiver, createOneInboxReceiver } from "../../lib/index.js";
import { misskeyDelivery, oneInboxDelivery } from "../../lib/testing/index.js";

// A real pino logger, its lines parsed back: what operators will read.
function pinoLines() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pino({ level: "info" }, stream) };
}

const secret = "sekrit-9f2c41d07b";
const token = "tok-5e8a0c1b2d";

test("one structured line per refusal and per failure, with its code; never a secret, token or body", async () => {
  const { lines, logger } = pinoLines();
  const misskey = createMisskeyReceiver({ secret, logger });
  misskey.on("note", () => {
    throw new Error("listener broke");
  });
  const oneinbox = createOneInboxReceiver({ auth: { token }, logger });

  await misskey.receive(misskeyDelivery("note", { secret: `${secret}x` }));
  await misskey.receive({ ...misskeyDelivery("note", { secret }), body: "{not json" });
  await misskey.receive(misskeyDelivery("note", { secret, overrides: { body: { note: { text: "private words" } } } }));
  await oneinbox.receive(oneInboxDelivery("call.ended", { token: `${token}x` }));
  await new Promise((resolve) => setImmediate(resolve));

  expect(lines.map((line) => [line["level"], line["code"], line["status"]])).toEqual([
    [40, "signature_mismatch", 401],
    [40, "malformed_body", 400],
    [50, "handler_failed", 500],
    [40, "signature_mismatch", 401],
  ]);
  expect(lines[2]).toMatchObject({ provider: "misskey", event: "note", deliveryId: expect.any(String) });
  const text = JSON.stringify(lines);
  for (const hidden of [secret, token, "private words", "Hello, fediverse"]) expect(text).not.toContain(hidden);
});

test("payloads appear in failure lines only with logPayloads: true", async () => {
  const { lines, logger } = pinoLines();
  const misskey = createMisskeyReceiver({ secret, logger, logPayloads: true });
  misskey.on("note", () => {
    throw new Error("listener broke");
  });
  await misskey.receive(misskeyDelivery("note", { secret, overrides: { body: { note: { text: "opted in" } } } }));
  await new Promise((resolve) => setImmediate(resolve));
  expect(JSON.stringify(lines)).toContain("opted in");
  expect(JSON.stringify(lines)).not.toContain(secret);
});
