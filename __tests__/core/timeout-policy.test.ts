import { MemoryInbox } from "../../lib/inbox/memory.js";
import type { ReceiverOptions } from "../../lib/core/options.js";
import type { WebhookResponse } from "../../lib/core/types.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { PROVIDERS } from "../fixtures/providers.js";
import { bodyOf, deferred } from "../fixtures/test-receiver.js";

// What each provider is answered when listeners outlive dispatchTimeoutMs: the policy
// table in the README, checked provider by provider.
interface Case {
  provider: string;
  make(options: ReceiverOptions): {
    onAny(fn: () => unknown): unknown;
    receive(d: Delivery): Promise<WebhookResponse>;
    close(): Promise<void>;
  };
  delivery(): Delivery;
  withoutInbox: number;
}

// README: a provider that resends is answered 503 dispatch_timeout; OK SKY, which never resends, 200.
const cases: Case[] = PROVIDERS.map((row) => {
  const credential = row.credential === "secret" ? "s" : "t";
  return {
    provider: row.name,
    make: (o) => row.create(credential, o),
    delivery: () => row.delivery(row.event, { credential }),
    withoutInbox: row.resends ? 503 : 200,
  };
});

describe.each(cases)("$provider: listeners past dispatchTimeoutMs", ({ make, delivery, withoutInbox }) => {
  test(`without an inbox → ${withoutInbox}, and the listener still finishes`, async () => {
    const receiver = make({ dispatchTimeoutMs: 20 });
    const hold = deferred();
    let finished = false;
    receiver.onAny(async () => {
      await hold.promise;
      finished = true;
    });
    const response = await receiver.receive(delivery());
    expect(response.status).toBe(withoutInbox);
    if (withoutInbox === 503) expect(bodyOf(response)["error"]).toBe("dispatch_timeout");
    hold.resolve();
    await receiver.close();
    expect(finished).toBe(true);
  });

  test("with an inbox → 200 (the inbox owns the delivery), recorded done once the listener finishes", async () => {
    const inbox = new MemoryInbox();
    const receiver = make({ dispatchTimeoutMs: 20, inbox });
    const hold = deferred();
    receiver.onAny(() => hold.promise);
    expect((await receiver.receive(delivery())).status).toBe(200);
    expect(await inbox.counts()).toMatchObject({ pending: 1 });
    hold.resolve();
    await receiver.close();
    expect(await inbox.counts()).toMatchObject({ pending: 0, done: 1 });
  });
});
