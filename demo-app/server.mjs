// `npm run demo`: every receiver of express-webhook-receivers on one local server, with
// a live page of what arrives. PORT (default 3000, 0 for any free port), HOST (default
// 127.0.0.1) and the secrets' variables (see config.mjs) configure it.
import { createServer } from "node:http";
import { relative } from "node:path";
import { createDemoApp } from "./app.mjs";
import { BULLMQ_QUEUE, credentialSources, demoCredentials, INBOX_PATH, INBOX_PROVIDERS, POSTGRES_TABLE, POSTGRES_URL } from "./config.mjs";
import { EventLog } from "./event-log.mjs";
import { formatEntry } from "./format-entry.mjs";

const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT ?? 3000);
const credentials = demoCredentials();
const log = new EventLog();
let baseUrl = "";

let demo;
try {
  demo = await createDemoApp({ credentials, log, selfUrl: () => baseUrl });
} catch (error) {
  console.error(`The demo could not open its inbox or queue: ${error.message}`);
  process.exit(1);
}
const { app, inbox, queue, close } = demo;
const server = createServer(app);
log.subscribe((entry) => console.log(formatEntry(entry)));

function urlOf(address) {
  // A wildcard address is reachable on loopback; IPv6 literals need brackets.
  const name = address.address === "0.0.0.0" || address.address === "::" ? "127.0.0.1" : address.address;
  return `http://${name.includes(":") ? `[${name}]` : name}:${address.port}`;
}

/** A URL without its password, for printing. */
function redacted(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    parsed.searchParams.delete("password");
    return parsed.toString();
  } catch {
    return "(the URL given)";
  }
}

function printWelcome() {
  const width = Math.max(...credentialSources.map((source) => source.env.length));
  console.log(
    `\nexpress-webhook-receivers demo\n\n  live page   ${baseUrl}/\n  hooks       ${baseUrl}/hooks/<provider>\n  metrics     ${baseUrl}/metrics\n`,
  );
  console.log("  credentials (set the variable to change; defaults are for local use only):");
  for (const { provider, env, sentAs } of credentialSources) {
    const { value, fromEnv } = credentials[provider];
    const shown = fromEnv ? "(set from the environment)" : value;
    console.log(`    ${env.padEnd(width)}  ${shown.padEnd(26)} ${sentAs}`);
  }
  if (inbox && POSTGRES_URL) {
    const where = redacted(POSTGRES_URL);
    console.log(`\n  inbox       PostgreSQL ${where}, table ${POSTGRES_TABLE} (${INBOX_PROVIDERS.join(", ")})`);
    console.log(`              node dist/esm/cli/main.js inbox list --postgres '${where}' --table ${POSTGRES_TABLE}`);
  } else if (inbox) {
    const file = relative(process.cwd(), INBOX_PATH);
    console.log(`\n  inbox       ${file} (${INBOX_PROVIDERS.join(", ")})`);
    console.log(`              node dist/esm/cli/main.js inbox list --sqlite ${file}`);
  } else if (queue) {
    console.log(`\n  queue       BullMQ "${BULLMQ_QUEUE}" (${INBOX_PROVIDERS.join(", ")}), run by a worker in this process`);
  }
  console.log(`\n  try it:     npm run demo:send -- misskey note`);
  console.log(`              npm run demo:send -- oksky Message.create --content-type multipart/form-data`);
  console.log(`              npm run demo:send -- nhn-cloud SMS/MESSAGE_RESULT_UPDATE`);
  console.log(`              npm run demo:send -- pokepay bulk_shops --bad-secret\n`);
}

server.on("error", (error) => {
  console.error(`The demo could not listen on ${host}:${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  baseUrl = urlOf(server.address());
  printWelcome();
  // Tests and scripts read the real port (PORT=0) from this line.
  console.log(`listening on ${baseUrl}`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    // Live pages hold their event streams open: close them, or close() would wait forever.
    server.closeAllConnections();
    server.close();
    close().then(
      () => process.exit(0),
      (error) => {
        console.error(`Shutting down: ${error.message}`);
        process.exit(1);
      },
    );
  });
}
