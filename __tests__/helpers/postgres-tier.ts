// One tier of a deployment over PostgreSQL, in a process of its own, for tests that kill it.
// Env: PG_URL, TABLE (the inbox), EFFECTS (the application's table), ROLE (ingest: HTTP,
// stores and answers | worker: no HTTP, runs listeners | both), LEASE_MS, CONCURRENCY,
// WORK_MS_MAX (each listener sleeps up to this, inside its transaction), FAIL_EVERY (every
// n-th call throws after writing its effect). Prints "listening <port>" or "working" when ready.
import express from "express";
import { createMisskeyReceiver } from "../../lib/index.js";
import { PostgresInbox } from "../../lib/inbox/postgres.js";

const env = process.env;
const role = env["ROLE"] ?? "both";
const inbox = new PostgresInbox({ connectionString: env["PG_URL"]!, table: env["TABLE"]!, transactional: true });
const receiver = createMisskeyReceiver({
  secret: "s3cret",
  logger: false,
  inbox: {
    store: inbox,
    ingestOnly: role !== "both",
    leaseMs: Number(env["LEASE_MS"] ?? 1000),
    maxAttempts: 1000,
    pollIntervalMs: 25,
    backoffMs: 10,
    maxBackoffMs: 50,
  },
});
const workMax = Number(env["WORK_MS_MAX"] ?? 0);
const failEvery = Number(env["FAIL_EVERY"] ?? 0);
let calls = 0;
receiver.on("note", async (e) => {
  const db = inbox.transactionOf(e);
  // The application's effect, in the transaction that marks the delivery done.
  await db.query(`INSERT INTO ${env["EFFECTS"]!} (delivery_id, pid) VALUES ($1, $2)`, [e.id, process.pid]);
  if (workMax > 0) await new Promise((resolve) => setTimeout(resolve, Math.random() * workMax));
  calls += 1;
  if (failEvery > 0 && calls % failEvery === 0) throw new Error("the listener fails after writing its effect");
});

if (role === "worker") {
  receiver.work({ concurrency: Number(env["CONCURRENCY"] ?? 4) });
  console.log("working");
} else {
  const app = express();
  app.use("/hooks/misskey", receiver.router);
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    console.log(`listening ${typeof address === "object" && address ? address.port : ""}`);
  });
}
