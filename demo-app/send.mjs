// `npm run demo:send -- <provider> <event> [options]`: posts one sample delivery, built
// with express-webhook-receivers/testing, to the running demo (or any URL), and prints
// the answer. Exits 0 whenever an answer came back (a 401 for --bad-secret is one).
import { parseArgs } from "node:util";
import { demoCredentials } from "./config.mjs";
import { buildSample, fetchFailure, hookPath, postDelivery, sampleProviders, SampleError } from "./samples.mjs";

const USAGE = `Usage: npm run demo:send -- <provider> <event> [options]

Options:
  --content-type <type>   OK SKY only: ${sampleProviders.oksky.contentTypes.join(", ")}
  --layout <layout>       OK SKY only, by content type:
${Object.entries(sampleProviders.oksky.layouts)
  .map(([type, layouts]) => `                            ${type}: ${layouts.join(", ")}`)
  .join("\n")}
  --software <name>       Misskey only, the server to imitate: ${sampleProviders.misskey.software.join(", ")}
  --bad-secret            send a wrong secret or token (answered 401)
  --malformed             send half a JSON document (answered 400)
  --oversized             send a body over the 1 MiB limit (answered 413)
  --url <url>             the demo's base URL (default http://127.0.0.1:3000), or a full
                          hook URL with a path of its own
Secrets come from the same variables as the demo's (MISSKEY_HOOK_SECRET, ...).`;

function listChoices() {
  const lines = Object.entries(sampleProviders).map(([id, { events }]) => `  ${id.padEnd(17)} ${events.join(", ")}`);
  return `Providers and their events:\n${lines.join("\n")}`;
}

function fail(message, { usage = true } = {}) {
  console.error(usage ? `${message}\n\n${USAGE}\n\n${listChoices()}` : message);
  process.exit(1);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      "content-type": { type: "string" },
      layout: { type: "string" },
      software: { type: "string" },
      "bad-secret": { type: "boolean" },
      malformed: { type: "boolean" },
      oversized: { type: "boolean" },
      url: { type: "string", default: process.env.DEMO_URL ?? "http://127.0.0.1:3000" },
      help: { type: "boolean", short: "h" },
    },
  });
} catch (error) {
  fail(error.message);
}
const { values, positionals } = parsed;
if (values.help) {
  console.log(`${USAGE}\n\n${listChoices()}`);
  process.exit(0);
}
const [provider, event] = positionals;
if (!provider || !event || positionals.length > 2) fail("Give a provider and an event.");

const spoilers = ["bad-secret", "malformed", "oversized"].filter((name) => values[name]);
if (spoilers.length > 1) fail(`Choose one of ${spoilers.map((name) => `--${name}`).join(", ")}.`);

let delivery;
try {
  delivery = buildSample(
    { provider, event, contentType: values["content-type"], layout: values.layout, software: values.software, tamper: spoilers[0] },
    demoCredentials(),
  );
} catch (error) {
  if (!(error instanceof SampleError)) throw error;
  // The message lists the valid choices already.
  fail(error.message, { usage: false });
}

// A bare base URL gets the demo's hook path; a URL with a path is used as given.
const base = URL.canParse(values.url) ? new URL(values.url) : fail(`--url "${values.url}" is not a URL.`);
const target = base.pathname === "/" ? new URL(hookPath(provider), base) : base;
try {
  const answer = await postDelivery(target, delivery);
  console.log(`POST ${target} → ${answer.status} ${answer.statusText}`);
  if (answer.body) console.log(answer.body);
} catch (error) {
  console.error(`Could not reach ${target}: ${fetchFailure(error)}. Is the demo running (npm run demo)?`);
  process.exit(1);
}
