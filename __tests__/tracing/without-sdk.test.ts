import { trace } from "@opentelemetry/api";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { webhookTracing } from "../../lib/tracing/index.js";

const SECRET = "misskey-secret";

test("without an SDK the hooks do nothing visible: same answers, no active span in listeners", async () => {
  const logs: [unknown[], unknown[]] = [[], []];
  const loggerOf = (lines: unknown[]) => ({
    warn: (...args: unknown[]) => void lines.push(args),
    error: (...args: unknown[]) => void lines.push(args),
  });
  const traced = createMisskeyReceiver({ secret: SECRET, hooks: webhookTracing(), logger: loggerOf(logs[0]) }).onError(() => undefined);
  const plain = createMisskeyReceiver({ secret: SECRET, logger: loggerOf(logs[1]) }).onError(() => undefined);
  const seen: unknown[] = [];
  for (const receiver of [traced, plain]) {
    receiver.on("note", () => void seen.push(trace.getActiveSpan()));
    receiver.on("follow", () => {
      throw new Error("listener bug");
    });
  }
  const deliveries = [
    misskeyDelivery("note", { secret: SECRET }),
    misskeyDelivery("note", { secret: "forged" }),
    misskeyDelivery("follow", { secret: SECRET }),
  ];
  for (const delivery of deliveries) {
    const [a, b] = await Promise.all([traced.receive(delivery), plain.receive(delivery)]);
    expect({ ...a, body: JSON.parse(a.body) as unknown }).toEqual({ ...b, body: JSON.parse(b.body) as unknown });
  }
  expect(seen).toEqual([undefined, undefined]);
  // The same lines logged: no hook threw (the receiver would have logged it).
  expect(logs[0]).toHaveLength(2);
  expect(logs[0]).toEqual(logs[1]);
});
