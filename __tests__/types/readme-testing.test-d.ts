// The README's "Testing your handlers" example, compiled by `tsc --noEmit` (npm test).
import type { Express } from "express";
import request from "supertest";
import type { MisskeyReceiver, OkskyReceiver } from "../../lib/index.js";
import { misskeyDelivery, okskyDelivery, pokepayDelivery } from "../../lib/testing/index.js";

declare const app: Express;
declare const receiver: OkskyReceiver | MisskeyReceiver;

const d = misskeyDelivery("note", { secret: "test-secret", overrides: { body: { note: { text: "hi" } } } });
await request(app).post("/hooks/misskey").set(d.headers).send(d.body).expect(200);

const form = okskyDelivery("Message.create", { secret: "s", contentType: "multipart/form-data" });
await receiver.receive(form); // a Delivery is also a valid receive() request

const op = pokepayDelivery("process_user_stats_operation", { token: "t" }); // Authorization: Bearer t

// The credential option is the one the README's table names for each provider.
// @ts-expect-error: Pokepay has no shared secret; its builder takes `token`
pokepayDelivery("process_user_stats_operation", { secret: "t" });
// @ts-expect-error: Misskey's builder takes `secret`, not `token`
misskeyDelivery("note", { token: "t" });

export { op };
