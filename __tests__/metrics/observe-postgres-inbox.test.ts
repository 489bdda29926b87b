import { Registry } from "prom-client";
import { PostgresInbox } from "../../lib/inbox/postgres.js";
import { webhookMetrics } from "../../lib/metrics/index.js";
import { startPostgresServer, type PostgresServer } from "../helpers/postgres-server.js";
import { newRecord } from "../inbox/new-record.js";
import { scrape, seriesOf } from "./scrape.js";

let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgresServer();
}, 60_000);
afterAll(async () => {
  await server.stop();
});

test("the inbox gauges read a PostgresInbox's counts on each scrape, and leave it out while the server is down", async () => {
  const inbox = new PostgresInbox({ connectionString: server.url, onPoolError: () => undefined });
  await inbox.createSchema();
  const now = Date.now();
  const [a, b] = [newRecord(), newRecord()];
  for (const record of [a, b, newRecord(), newRecord()]) await inbox.add(record, { leaseMs: 60_000, now });
  await inbox.complete(a.key, { now });
  await inbox.fail(b.key, { error: "boom", retryAt: undefined, now });
  const registry = new Registry();
  webhookMetrics({ registry }).observeInbox(inbox, { provider: "misskey" });
  expect(seriesOf(await scrape(registry), "webhook_inbox_records")).toEqual({
    "provider=misskey,status=pending": 2,
    "provider=misskey,status=failed": 1,
    "provider=misskey,status=done": 1,
  });
  await server.kill();
  try {
    expect(seriesOf(await scrape(registry), "webhook_inbox_records")).toEqual({});
  } finally {
    await server.restart();
  }
  await inbox.add(newRecord(), { leaseMs: 60_000, now });
  expect(seriesOf(await scrape(registry), "webhook_inbox_records")).toMatchObject({ "provider=misskey,status=pending": 3 });
  await inbox.close();
}, 30_000);
