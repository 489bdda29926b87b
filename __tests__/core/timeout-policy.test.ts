import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
} from "../../lib/index.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
import type { ReceiverOptions } from "../../lib/core/options.js";
import type { WebhookResponse } from "../../lib/core/types.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { kakaoBizmessageDelivery, misskeyDelivery, okskyDelivery, oneInboxDelivery, pokepayDelivery } from "../../lib/testing/index.js";
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

const cases: Case[] = [
  {
    provider: "misskey",
    make: (o) => createMisskeyReceiver({ secret: "s", ...o }),
    delivery: () => misskeyDelivery("note", { secret: "s" }),
    withoutInbox: 503,
  },
  {
    provider: "oksky",
    make: (o) => createOkskyReceiver({ secret: "s", ...o }),
    delivery: () => okskyDelivery("Message.create", { secret: "s" }),
    withoutInbox: 200,
  },
  {
    provider: "kakao-bizmessage",
    make: (o) => createKakaoBizmessageReceiver({ secret: "s", ...o }),
    delivery: () => kakaoBizmessageDelivery("MESSAGE_RESULT_UPDATE", { secret: "s" }),
    withoutInbox: 503,
  },
  {
    provider: "oneinbox",
    make: (o) => createOneInboxReceiver({ auth: { token: "t" }, ...o }),
    delivery: () => oneInboxDelivery("call.ended", { token: "t" }),
    withoutInbox: 503,
  },
  {
    provider: "pokepay",
    make: (o) => createPokepayReceiver({ auth: { token: "t" }, ...o }),
    delivery: () => pokepayDelivery("bulk_shops", { token: "t" }),
    withoutInbox: 503,
  },
];

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
