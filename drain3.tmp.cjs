require("/work/main/__tests__/helpers/ts-require.cjs");
const { startPostgresServer } = require("/work/main/__tests__/helpers/postgres-server.ts");
const { PostgresInbox } = require("/work/main/lib/inbox/postgres.ts");
const { createMisskeyReceiver } = require("/work/main/lib/index.ts");
const { misskeyDelivery } = require("/work/main/lib/testing/index.ts");
(async () => {
  const pg = await startPostgresServer();
  const mk = () => new PostgresInbox({ connectionString: pg.url, table: "t", transactional: process.env.TX === "1" });
  const inbox = mk();
  await inbox.createSchema();
  const ingest = createMisskeyReceiver({ secret: "s", logger: false, inbox: { store: inbox, ingestOnly: true } });
  const N = 3000;
  for (let i = 0; i < N; i++) await ingest.receive(misskeyDelivery("note", { secret: "s" }));
  const workers = Array.from({ length: Number(process.env.P || 2) }, () => {
    const store = mk();
    const w = createMisskeyReceiver({ secret: "s", logger: false, inbox: { store, ingestOnly: true, pollIntervalMs: 25 } });
    w.on("note", async (e) => { if (process.env.TX === "1") await store.transactionOf(e).query("SELECT 1"); });
    return w;
  });
  const t0 = performance.now();
  for (const w of workers) w.work({ concurrency: 8 });
  while ((await inbox.counts()).done < N) await new Promise((r) => setTimeout(r, 20));
  console.log({ P: workers.length, TX: process.env.TX, perSecond: Math.round(N / ((performance.now() - t0) / 1000)) });
  process.exit(0);
})();
