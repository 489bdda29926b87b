#!/usr/bin/env node
// `npm run bench:soak`: mixed valid and forged webhook traffic at a fixed rate, for
// minutes, against the Misskey + OK SKY server of servers/soak.mjs (its own process on
// 127.0.0.1, started and reaped by support/processes.mjs). Samples the server's RSS,
// heap and event-loop delay; counts every valid delivery sent and every dispatch the
// server made (per delivery id), and checks each valid one was dispatched exactly once,
// no forged one ever was, and RSS shows no growth trend. `--help` for the options.
import http from "node:http";
import { startServer } from "./support/processes.mjs";
import { machine, table, trend } from "./support/report.mjs";
import { ELD_RESOLUTION_MS } from "./servers/soak.mjs";

const SECRET = "soak-secret-7d1e";
/** Server body limit: small, so that the oversized forgeries stay cheap to send. */
const LIMIT_BYTES = 64 * 1024;

const USAGE = `usage: npm run bench:soak -- [--minutes 10] [--quick] [--rate 1000] [--concurrency 256] [--sample-seconds 5]

  --minutes         how long traffic is sent (default 10); the soak then stops by itself
  --quick           30 seconds (--minutes 0.5): tries the soak; too short to judge RSS growth
  --rate            requests per second, fixed (default 1000); valid and forged mixed
  --concurrency     most requests in flight (default 256); a request due while that many
                    are open is skipped and counted (the server is not keeping up)
  --sample-seconds  how often the server's RSS, heap and event-loop delay are sampled (default 5)

It uses the built package (dist/, by its own name): npm run bench:soak builds it first;
\`node bench/soak.mjs\` soaks dist/ as it is.
Exit code 0 when every valid delivery was dispatched exactly once, no forged one was,
every answer was one its kind allows, and RSS shows no growth trend; 1 otherwise.`;

function options() {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    process.exit(0);
  }
  const number = (name, fallback) => {
    const at = args.indexOf(`--${name}`);
    if (at === -1) return fallback;
    const value = Number(args[at + 1]);
    if (!Number.isFinite(value) || value <= 0) {
      console.error(`--${name} needs a positive number\n\n${USAGE}`);
      process.exit(2);
    }
    return value;
  };
  return {
    minutes: number("minutes", args.includes("--quick") ? 0.5 : 10),
    rate: number("rate", 1000),
    concurrency: Math.round(number("concurrency", 256)),
    sampleSeconds: number("sample-seconds", 5),
  };
}

async function main() {
  const settings = options();
  const kinds = await buildKinds();
  const durationMs = settings.minutes * 60_000;
  // Room for every request the run could send, plus slack for timer drift.
  const capacity = Math.ceil(((settings.rate * durationMs) / 1000) * 1.05) + 10_000;
  const server = await startServer("soak", { secret: SECRET, limit: LIMIT_BYTES, capacity });

  const m = machine();
  console.log(`# Soak — ${new Date().toISOString()}`);
  console.log(`${m.cpu} (${m.cpus} cores), Node ${m.node}, ${m.kernel}, load average ${m.loadAverage}`);
  console.log(
    `${settings.minutes} min at ${settings.rate} req/s, at most ${settings.concurrency} in flight; server pid ${server.pid} on 127.0.0.1:${server.port}`,
  );
  console.log(`mix: ${kinds.map((k) => `${k.name} ${Math.round(k.weight * 100)}%`).join(", ")}\n`);

  const load = new Load(server.port, settings, kinds, capacity);
  const samples = [];
  const started = Date.now();
  const sample = async () => {
    const reply = await server.stats({ sample: true });
    const entry = {
      minutes: (Date.now() - started) / 60_000,
      rss: reply.memory.rssKb / 1024,
      heap: reply.memory.heapUsed / 2 ** 20,
      eld: reply.eld,
    };
    samples.push(entry);
    console.log(
      `${entry.minutes.toFixed(2).padStart(6)} min  rss ${entry.rss.toFixed(1)} MB  heap ${entry.heap.toFixed(1)} MB  ` +
        `loop delay p50 ${entry.eld.p50.toFixed(2)} p99 ${entry.eld.p99.toFixed(2)} max ${entry.eld.max.toFixed(1)} ms  ` +
        `sent ${load.sent} in flight ${load.inFlight} skipped ${load.skipped}`,
    );
  };
  await sample();
  const sampler = setInterval(() => void sample(), settings.sampleSeconds * 1000);
  await load.run(durationMs);
  clearInterval(sampler);
  await load.drain(15_000);
  await sample();

  const finish = await server.stats({ finish: true });
  finish.counts = new Uint8Array(Buffer.from(finish.counts, "base64"));
  await server.stop();
  process.exit(report(settings, load, kinds, samples, finish) ? 0 : 1);
}

/**
 * The kinds of request sent, each with its share of the traffic, how to build one for
 * a sequence number, the statuses it may be answered with, and whether it must be
 * dispatched. Bodies are templates with the sequence number put in by string
 * replacement: building samples per request would load the generator, not the server.
 */
async function buildKinds() {
  const { misskeyDelivery, misskeyPayload, okskyDelivery } = await import("express-webhook-receivers/testing");
  const SEQ = "9876543210123";
  const misskeyHeaders = { ...misskeyDelivery("note", { secret: SECRET }).headers, "content-type": "application/json" };
  const misskeyTemplate = (event) => template(JSON.stringify({ ...misskeyPayload(event), eventId: `soak-${SEQ}` }), SEQ);
  const oksky = (contentType) => {
    const d = okskyDelivery("Message.create", { secret: SECRET, contentType, overrides: { object: { id: Number(SEQ) } } });
    return { headers: d.headers, body: template(d.body.toString(), SEQ) };
  };
  const note = misskeyTemplate("note");
  const reaction = misskeyTemplate("reaction");
  const followed = misskeyTemplate("followed");
  const [okJson, okForm, okMultipart] = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"].map(oksky);
  const invalidNote = template(JSON.stringify({ ...misskeyPayload("note"), eventId: `soak-${SEQ}`, body: {} }), SEQ);
  const invalidOksky = template(
    JSON.stringify({ action: "create", object_name: "Message", object: { id: Number(SEQ), content: 42 } }),
    SEQ,
  );
  const oversized = Buffer.alloc(LIMIT_BYTES + 36 * 1024, "a");
  const misskey = (headers, body) => post("/hooks/misskey", headers, body);
  const okskyPost = (headers, body) => post("/hooks/oksky", headers, body);
  const noSecret = { ...okJson.headers };
  delete noSecret["x-oksky-secret-token"];

  const kind = (name, weight, statuses, make, extra = {}) => ({ name, weight, statuses, make, ...extra });
  const valid = { valid: true };
  return [
    // Genuine: must be answered 200 and dispatched exactly once.
    kind("misskey note", 0.25, [200], (n) => misskey(misskeyHeaders, note(n)), valid),
    kind("misskey reaction", 0.08, [200], (n) => misskey(misskeyHeaders, reaction(n)), valid),
    kind("misskey followed", 0.07, [200], (n) => misskey(misskeyHeaders, followed(n)), valid),
    kind("oksky json", 0.12, [200], (n) => okskyPost(okJson.headers, okJson.body(n)), valid),
    kind("oksky urlencoded", 0.06, [200], (n) => okskyPost(okForm.headers, okForm.body(n)), valid),
    kind("oksky multipart", 0.06, [200], (n) => okskyPost(okMultipart.headers, okMultipart.body(n)), valid),
    // Misskey resending one already answered: acknowledged as a duplicate, never dispatched again.
    kind("misskey resend", 0.06, [200], null, { resend: true }),
    // Forged or broken: must never be dispatched.
    kind("forged: wrong secret", 0.08, [401], (n) => misskey({ ...misskeyHeaders, "x-misskey-hook-secret": "guess" }, note(n))),
    kind("forged: no secret", 0.05, [401], (n) => okskyPost(noSecret, okJson.body(n))),
    kind("forged: malformed JSON", 0.03, [400], (n) => misskey(misskeyHeaders, `{"eventId":"soak-${n}",`)),
    kind("forged: wrong content type", 0.03, [415], (n) => misskey({ ...misskeyHeaders, "content-type": "text/xml" }, note(n))),
    kind("forged: oversized", 0.02, [413], () => misskey(misskeyHeaders, oversized)),
    kind("forged: GET", 0.02, [405], () => ({ method: "GET", path: "/hooks/misskey", headers: misskeyHeaders, body: Buffer.alloc(0) })),
    kind("invalid: misskey schema", 0.04, [400], (n) => misskey(misskeyHeaders, invalidNote(n))),
    // OK SKY never resends: a payload failing its schema is answered 200, yet not dispatched.
    kind("invalid: oksky schema", 0.03, [200], (n) => okskyPost(okJson.headers, invalidOksky(n))),
  ];
}

function post(path, headers, body) {
  return { method: "POST", path, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

/** A body with one placeholder: `(n) => body with n in its place`. Refuses an ambiguous one. */
function template(body, placeholder) {
  const parts = body.split(placeholder);
  if (parts.length !== 2) throw new Error(`template: expected the placeholder once, found it ${parts.length - 1} times`);
  const [head, tail] = parts;
  return (n) => head + n + tail;
}

/**
 * Fixed-rate traffic with bounded concurrency, and everything counted. Not autocannon
 * (support/load.mjs): the soak needs a smooth fixed rate, a mix of kinds, resends of
 * earlier deliveries, and each answer tied to the delivery it answers.
 */
class Load {
  sent = 0;
  skipped = 0;
  inFlight = 0;
  nextSeq = 0;
  byKind = new Map();
  /** Recently acknowledged Misskey deliveries, to resend. */
  recent = [];

  constructor(port, settings, kinds, capacity) {
    this.port = port;
    this.settings = settings;
    this.kinds = kinds;
    /** Per sequence number: 1 genuine and acknowledged, 2 genuine but not 2xx, 3 must never dispatch. */
    this.seqKind = new Uint8Array(capacity);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: settings.concurrency });
    let total = 0;
    this.cumulative = kinds.map((kind) => (total += kind.weight));
    this.total = total;
    for (const kind of kinds) this.byKind.set(kind.name, { sent: 0, statuses: new Map(), errors: new Map() });
  }

  run(durationMs) {
    const started = performance.now();
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const elapsed = performance.now() - started;
        const due = Math.floor((Math.min(elapsed, durationMs) / 1000) * this.settings.rate);
        while (this.sent + this.skipped < due) {
          if (this.inFlight >= this.settings.concurrency) {
            this.skipped = due - this.sent;
            break;
          }
          this.fire();
        }
        if (elapsed >= durationMs) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
  }

  async drain(ms) {
    const end = Date.now() + ms;
    while (this.inFlight > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  fire() {
    const r = Math.random() * this.total;
    let kind = this.kinds[this.cumulative.findIndex((c) => r < c)] ?? this.kinds[0];
    let seq;
    let request;
    if (kind.resend) {
      const previous = this.recent[Math.floor(Math.random() * this.recent.length)];
      if (previous === undefined) kind = this.kinds[0];
      else ({ seq, request } = previous);
    }
    if (request === undefined) {
      seq = this.nextSeq++;
      request = kind.make(seq);
      this.seqKind[seq] = kind.valid ? 1 : 3;
    }
    const stats = this.byKind.get(kind.name);
    stats.sent += 1;
    this.sent += 1;
    this.inFlight += 1;
    const headers = { ...request.headers, "content-length": request.body.length };
    const req = http.request(
      { host: "127.0.0.1", port: this.port, method: request.method, path: request.path, headers, agent: this.agent, timeout: 10_000 },
      (res) => {
        res.resume();
        res.on("end", () => {
          this.inFlight -= 1;
          stats.statuses.set(res.statusCode, (stats.statuses.get(res.statusCode) ?? 0) + 1);
          if (kind.valid && res.statusCode !== 200) this.seqKind[seq] = 2;
          if (kind.valid && res.statusCode === 200 && request.path === "/hooks/misskey") this.remember(seq, request);
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (error) => {
      this.inFlight -= 1;
      const code = error.code ?? error.message;
      stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
      if (kind.valid) this.seqKind[seq] = 2;
    });
    req.end(request.body);
  }

  remember(seq, request) {
    if (this.recent.length < 256) this.recent.push({ seq, request });
    else this.recent[Math.floor(Math.random() * 256)] = { seq, request };
  }
}

function report(settings, load, kinds, samples, finish) {
  const problems = [];
  const counted = (map) => [...map].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, n]) => `${key}×${n}`);
  let answered = 0;
  const rows = kinds.map((kind) => {
    const stats = load.byKind.get(kind.name);
    const statuses = [...stats.statuses];
    answered += statuses.reduce((sum, [, n]) => sum + n, 0);
    const unexpected = new Map(statuses.filter(([status]) => !kind.statuses.includes(status)));
    if (unexpected.size > 0) problems.push(`${kind.name}: unexpected answers ${counted(unexpected).join(", ")}`);
    if (stats.errors.size > 0) problems.push(`${kind.name}: connection errors ${counted(stats.errors).join(", ")}`);
    return [kind.name, stats.sent, counted(stats.statuses).join(", "), kind.statuses.join(", "), counted(stats.errors).join(", ") || "0"];
  });
  console.log(`\n## Answers by kind\n\n${table(["kind", "sent", "answers", "allowed", "errors"], rows)}`);
  const attempted = load.sent + load.skipped;
  const skippedShare = attempted === 0 ? 0 : load.skipped / attempted;
  console.log(
    `\nsent ${load.sent}, answered ${answered}, skipped at the concurrency cap ${load.skipped} (${(100 * skippedShare).toFixed(2)}%)`,
  );
  if (skippedShare > 0.001) problems.push(`the rate was not sustained: ${load.skipped} requests skipped`);

  // Exactly once: every genuine delivery acknowledged is dispatched once; nothing else is.
  let validSent = 0;
  let acknowledged = 0;
  let dispatchedOnce = 0;
  let notDispatched = 0;
  let forgedDispatched = 0;
  let unsentDispatched = 0;
  const { counts } = finish;
  for (let seq = 0; seq < counts.length; seq++) {
    const kind = load.seqKind[seq];
    if (kind === 1 || kind === 2) validSent += 1;
    if (kind === 1) {
      acknowledged += 1;
      if (counts[seq] === 1) dispatchedOnce += 1;
      if (counts[seq] === 0) notDispatched += 1;
    }
    if (kind === 3 && counts[seq] > 0) forgedDispatched += 1;
    if (kind === 0 && counts[seq] > 0) unsentDispatched += 1;
  }
  console.log("\n## Exactly once\n");
  console.log(
    `valid sent ${validSent}, acknowledged 200 ${acknowledged}, dispatched exactly once ${dispatchedOnce}, acknowledged but never dispatched ${notDispatched}`,
  );
  console.log(
    `duplicate dispatches ${finish.duplicates}, forged/invalid dispatched ${forgedDispatched}, dispatches of ids never sent ${unsentDispatched + finish.outOfRange}`,
  );
  console.log(`onError reports (refusals and failures) ${finish.errors}`);
  const exactlyOnce =
    validSent === acknowledged &&
    acknowledged === dispatchedOnce &&
    finish.duplicates === 0 &&
    forgedDispatched === 0 &&
    unsentDispatched + finish.outOfRange === 0;
  console.log(`→ ${exactlyOnce ? "OK: valid sent == unique dispatched, duplicates 0" : "FAILED"}`);
  if (!exactlyOnce) problems.push("exactly-once check failed");

  console.log("\n## Memory and event loop\n");
  const rss = samples.map((s) => s.rss);
  const secondHalf = samples.filter((s) => s.minutes >= settings.minutes / 2);
  const rssFit = trend(secondHalf.map((s) => [s.minutes, s.rss]));
  const heapFit = trend(secondHalf.map((s) => [s.minutes, s.heap]));
  const signed = (value) => `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
  console.log(`RSS MB: start ${rss[0].toFixed(1)}, peak ${Math.max(...rss).toFixed(1)}, end ${rss.at(-1).toFixed(1)}`);
  console.log(
    `second half (${secondHalf.length} samples): RSS slope ${signed(rssFit.slope)} ± ${rssFit.error.toFixed(2)} MB/min, ` +
      `heap slope ${signed(heapFit.slope)} ± ${heapFit.error.toFixed(2)} MB/min (± one standard error)`,
  );
  // A leak is a steady climb; a flat line wobbles around zero with the GC's sawtooth.
  // Growth must be both material (over 1 MB/min: 10 MB in a ten-minute soak) and
  // clearly above the noise (three standard errors), or short runs would cry wolf.
  // Under two minutes the second half is still the heap's warm-up: no verdict.
  const judged = settings.minutes >= 2;
  const growth = judged && rssFit.slope > 1 && rssFit.slope > 3 * rssFit.error;
  const verdict = !judged
    ? "too short to judge a trend (needs --minutes 2 or more)"
    : growth
      ? "GROWTH TREND: RSS still climbing in the second half"
      : rssFit.slope > 1
        ? "no significant growth trend (the slope is within the noise of this short a run)"
        : "no growth trend (second-half RSS slope ≤ 1 MB/min)";
  console.log(`→ ${verdict}`);
  if (growth) problems.push(`RSS grows ${signed(rssFit.slope)} MB/min in the second half`);
  const eld = finish.eld;
  console.log(
    `event-loop delay over the run (beyond the ${ELD_RESOLUTION_MS} ms timer): p50 ${eld.p50.toFixed(2)} ms, p99 ${eld.p99.toFixed(2)} ms, max ${eld.max.toFixed(1)} ms`,
  );

  console.log(problems.length === 0 ? "\nSOAK OK" : `\nSOAK FAILED:\n- ${problems.join("\n- ")}`);
  return problems.length === 0;
}

await main();
