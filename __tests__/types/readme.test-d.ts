// The README's examples, compiled by `tsc --noEmit` (npm test) so they cannot rot.
/* eslint-disable @typescript-eslint/no-confusing-void-expression -- written exactly as the README shows them: one-line listeners that log */
import express from "express";
import { Registry } from "prom-client";
import {
  createKakaoBizmessageReceiver,
  createMisskeyReceiver,
  createOkskyReceiver,
  createOneInboxReceiver,
  createPokepayReceiver,
  loose,
  SqliteInbox,
} from "../../lib/index.js";
import type { MisskeyNote } from "../../lib/providers/misskey/index.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { webhookTracing } from "../../lib/tracing/index.js";
import { misskeyDelivery } from "../../lib/testing/index.js";

declare const env: Record<string, string>;
declare function handle(tenant: string | undefined, host: string | undefined, note: MisskeyNote): void;
declare const tenants: Map<string, { misskeySecret: string }>;

const app = express();
const misskey = createMisskeyReceiver({ secret: env["MISSKEY_HOOK_SECRET"]! });
misskey.on("note", async (e) => console.log(e.payload.body.note.text));
misskey.on(["note", "reply", "mention"], (e) => console.log(e.meta.host, e.payload.body.note.text));
misskey.on("followed", (e) => console.log("new follower", e.payload.body.user.username));
app.use("/hooks/misskey", misskey.router);

const oksky = createOkskyReceiver({ secret: env["OKSKY_SECRET_TOKEN"]! });
oksky.on("Message.create", (e) => console.log(e.meta.subdomain, e.payload.object.content));

const kakao = createKakaoBizmessageReceiver({ secret: env["KAKAO_WEBHOOK_SIGNATURE"]! });
kakao.on("MESSAGE_RESULT_UPDATE", (e) => {
  for (const hook of e.payload.hooks) console.log(hook.requestId, hook.recipientNo, hook.resultCode);
});

const oneinbox = createOneInboxReceiver({ auth: { token: env["ONEINBOX_TOKEN"]! } });
oneinbox.on("call.ended", (e) => console.log(e.payload.call_id, e.payload.outcome, e.payload.ai_summary));

const pokepay = createPokepayReceiver({ auth: { token: env["POKEPAY_TOKEN"]! } });
pokepay.on("process_user_stats_operation", (e) => console.log(e.payload.operation_id, e.payload.status));

const tenantReceiver = createMisskeyReceiver({ secret: ({ params }) => tenants.get(params.tenant ?? "")?.misskeySecret });
tenantReceiver.on("note", (e) => handle(e.meta.params.tenant, e.meta.host, e.payload.body.note));
app.use("/hooks/misskey/:tenant", tenantReceiver.router);

const inbox = new SqliteInbox({ path: "./webhooks.db" });
const registry = new Registry();
const metrics = webhookMetrics({ registry });
createOkskyReceiver({ secret: "s", inbox, hooks: [metrics.hooks, webhookTracing()] });
createMisskeyReceiver({ secret: "s", inbox: { store: inbox, maxAttempts: 8 } });
metrics.observeInbox(inbox);

misskey.on("note", (e) => {
  const { poll } = loose(e.payload.body.note); // unknown: check it before use
  if (poll) console.log("a note with a poll", poll);
});

misskeyDelivery("note", { secret: "test-secret", overrides: { body: { note: { text: "hi" } } } });
misskeyDelivery("note", { secret: "s", rawOverrides: { body: { note: { poll: null } } } });
