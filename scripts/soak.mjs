#!/usr/bin/env node
// Soak: mixed valid and forged webhook traffic at a fixed rate, for minutes, against a
// Misskey + OK SKY server in a child process on 127.0.0.1. Samples the server's RSS,
// heap and event-loop delay; counts every valid delivery sent and every dispatch the
// server made (per delivery id), and checks each valid one was dispatched exactly once
// and no forged one ever was. A script, not a test: `node scripts/soak.mjs --help`.
//
// It uses the built package (dist/, by its own name): `--build` builds it first.
import { execFileSync, fork } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import http from "node:http";
import { dirname, join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const SECRET = "soak-secret-7d1e";
/** Server body limit: small, so that the oversized forgeries stay cheap to send. */
const LIMIT_BYTES = 64 * 1024;
/** The event-loop delay histogram's timer: reported delays are beyond it. */
const ELD_RESOLUTION_MS = 10;

const USAGE = `usage: node scripts/soak.mjs [--minutes 10] [--rate 1000] [--concurrency 256] [--sample-seconds 5] [--build]

  --minutes         how long traffic is sent (default 10); the soak then stops by itself
  --rate            requests per second, fixed (default 1000); valid and forged mixed
  --concurrency     most requests in flight (default 256); a request due while that many
                    are open is skipped and counted (the server is not keeping up)
  --sample-seconds  how often the server's RSS, heap and event-loop delay are sampled (default 5)
  --build           run scripts/build.mjs first (the soak imports dist/ by package name)

Exit code 0 when every valid delivery was dispatched exactly once, no forged one was,
every answer was one its kind allows, and RSS shows no growth trend; 1 otherwise.`;

// ─── server (child process) ────────────────────────────────────────────────────────

/** The soak's server: both receivers, dispatch counting, and samples over IPC. */
async function serve() {
  const { createMisskeyReceiver, createOkskyReceiver } = await import("express-webhook-receivers");
  const { default: express } = await import("express");
  const capacity = Number(process.env.SOAK_CAPACITY);
  // Preallocated, so counting never grows the heap the soak is watching.
  const counts = new Uint8Array(capacity);
  let duplicates = 0;
  let outOfRange = 0;
  let errorsReported = 0;
  const count = (seq) => {
    if (!Number.isInteger(seq) || seq < 0 || seq >= capacity) return void (outOfRange += 1);
    if (counts[seq] > 0) duplicates += 1;
    if (counts[seq] < 255) counts[seq] += 1;
  };

  const misskey = createMisskeyReceiver({ secret: SECRET, limit: LIMIT_BYTES });
  misskey.onAny((event) => count(Number(String(event.id).replace(/^soak-/, ""))));
  const oksky = createOkskyReceiver({ secret: SECRET, limit: LIMIT_BYTES });
  oksky.onAny((event) => count(Number(event.payload?.object?.id)));
  for (const receiver of [misskey, oksky]) receiver.onError(() => void (errorsReported += 1));

  const app = express();
  app.use("/hooks/misskey", misskey.router);
  app.use("/hooks/oksky", oksky.router);

  const interval = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  const whole = monitorEventLoopDelay({ resolution: ELD_RESOLUTION_MS });
  interval.enable();
  whole.enable();
  const delays = (h) => ({ p50: lateness(h.percentile(50)), p99: lateness(h.percentile(99)), max: lateness(h.max) });

  const server = app.listen(0, "127.0.0.1", () => process.send({ type: "listening", port: server.address().port }));
  process.on("message", async (message) => {
    if (message.type === "sample") {
      const { rss, heapUsed } = process.memoryUsage();
      process.send({ type: "sample", rss, heapUsed, eld: delays(interval) });
      interval.reset();
    } else if (message.type === "finish") {
      process.send({ type: "finish", counts, duplicates, outOfRange, errorsReported, eld: delays(whole) });
    } else if (message.type === "stop") {
      server.close();
      server.closeAllConnections();
      await Promise.all([misskey.close({ timeoutMs: 2000 }), oksky.close({ timeoutMs: 2000 })]);
      process.exit(0);
    }
  });
  // Orphaned (the soak was killed): leave too.
  process.on("disconnect", () => process.exit(0));
}

/** Histogram nanoseconds → milliseconds late, beyond the sampling timer itself. */
function lateness(ns) {
  return Math.max(0, ns / 1e6 - ELD_RESOLUTION_MS);
}

// ─── traffic (parent process) ──────────────────────────────────────────────────────

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
    minutes: number("minutes", 10),
    rate: number("rate", 1000),
    concurrency: Math.round(number("concurrency", 256)),
    sampleSeconds: number("sample-seconds", 5),
    build: args.includes("--build"),
  };
}

async function main() {
  const settings = options();
  if (settings.build) execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "inherit" });
  checkBuild();
  const kinds = await buildKinds();
  const durationMs = settings.minutes * 60_000;
  // Room for every request the run could send, plus slack for timer drift.
  const capacity = Math.ceil(((settings.rate * durationMs) / 1000) * 1.05) + 10_000;

  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    cwd: root,
    env: { ...process.env, SOAK_CAPACITY: String(capacity) },
    serialization: "advanced",
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const stopChild = () => child.exitCode === null && child.kill("SIGKILL");
  process.on("exit", stopChild);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(130));
  const replies = ipcReplies(child);
  const { port } = await replies.next("listening");

  console.log(`# Soak — ${new Date().toISOString()}`);
  console.log(
    `${settings.minutes} min at ${settings.rate} req/s, at most ${settings.concurrency} in flight; server pid ${child.pid} on 127.0.0.1:${port}; Node ${process.version}`,
  );
  console.log(`mix: ${kinds.map((k) => `${k.name} ${Math.round(k.weight * 100)}%`).join(", ")}\n`);

  const load = new Load(port, settings, kinds, capacity);
  const samples = [];
  const started = Date.now();
  const sample = async () => {
    child.send({ type: "sample" });
    const reply = await replies.next("sample");
    const entry = { minutes: (Date.now() - started) / 60_000, rss: reply.rss / 2 ** 20, heap: reply.heapUsed / 2 ** 20, eld: reply.eld };
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

  child.send({ type: "finish" });
  const finish = await replies.next("finish");
  child.send({ type: "stop" });
  const ok = report(settings, load, kinds, samples, finish);
  await new Promise((resolve) => (child.exitCode === null ? child.once("exit", resolve) : resolve()));
  process.exit(ok ? 0 : 1);
}

function checkBuild() {
  const built = join(root, "dist", "esm", "index.js");
  if (!existsSync(built)) {
    console.error("dist/ is missing: run `npm run build` first, or pass --build.");
    process.exit(2);
  }
  const age = Date.now() - statSync(built).mtimeMs;
  if (age > 60 * 60_000)
    console.warn(`note: dist/ was built ${Math.round(age / 60_000)} min ago; pass --build to soak the current sources.`);
}

/** Waits for IPC messages of a given type, in order. */
function ipcReplies(child) {
  const waiting = [];
  child.on("message", (message) => {
    const at = waiting.findIndex((w) => w.type === message.type);
    if (at !== -1) waiting.splice(at, 1)[0].resolve(message);
  });
  child.once("exit", (code) => {
    for (const w of waiting) w.reject(new Error(`the server exited (${code}) before answering "${w.type}"`));
  });
  return { next: (type) => new Promise((resolve, reject) => waiting.push({ type, resolve, reject })) };
}

/**
 * The kinds of request sent, each with its share of the traffic, how to build one for
 * a sequence number, the statuses it may be answered with, and whether it must be
 * dispatched. Bodies are templates with the sequence number put in by string
 * replacement: building samples per request would load the generator, not the server.
 */
async function buildKinds() {
  const { misskeyPayload, okskyDelivery } = await import("express-webhook-receivers/testing");
  const SEQ = "9876543210123";
  const misskeyHeaders = {
    "content-type": "application/json",
    "user-agent": "Misskey-Hooks",
    "x-misskey-host": "misskey.example",
    "x-misskey-hook-id": "9abc0000hook",
    "x-misskey-hook-secret": SECRET,
  };
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
  const misskeyPath = "/hooks/misskey";
  const okskyPath = "/hooks/oksky";

  return [
    // Genuine: must be answered 200 and dispatched exactly once.
    { name: "misskey note", weight: 0.25, valid: true, statuses: [200], make: (n) => post(misskeyPath, misskeyHeaders, note(n)) },
    { name: "misskey reaction", weight: 0.08, valid: true, statuses: [200], make: (n) => post(misskeyPath, misskeyHeaders, reaction(n)) },
    { name: "misskey followed", weight: 0.07, valid: true, statuses: [200], make: (n) => post(misskeyPath, misskeyHeaders, followed(n)) },
    { name: "oksky json", weight: 0.12, valid: true, statuses: [200], make: (n) => post(okskyPath, okJson.headers, okJson.body(n)) },
    { name: "oksky urlencoded", weight: 0.06, valid: true, statuses: [200], make: (n) => post(okskyPath, okForm.headers, okForm.body(n)) },
    {
      name: "oksky multipart",
      weight: 0.06,
      valid: true,
      statuses: [200],
      make: (n) => post(okskyPath, okMultipart.headers, okMultipart.body(n)),
    },
    // Misskey resending one already answered: acknowledged as a duplicate, never dispatched again.
    { name: "misskey resend", weight: 0.06, resend: true, statuses: [200], make: null },
    // Forged or broken: must never be dispatched.
    {
      name: "forged: wrong secret",
      weight: 0.08,
      statuses: [401],
      make: (n) => post(misskeyPath, { ...misskeyHeaders, "x-misskey-hook-secret": "guess" }, note(n)),
    },
    {
      name: "forged: no secret",
      weight: 0.05,
      statuses: [401],
      make: (n) => post(okskyPath, without(okJson.headers, "x-oksky-secret-token"), okJson.body(n)),
    },
    {
      name: "forged: malformed JSON",
      weight: 0.03,
      statuses: [400],
      make: (n) => post(misskeyPath, misskeyHeaders, `{"eventId":"soak-${n}",`),
    },
    {
      name: "forged: wrong content type",
      weight: 0.03,
      statuses: [415],
      make: (n) => post(misskeyPath, { ...misskeyHeaders, "content-type": "text/xml" }, note(n)),
    },
    { name: "forged: oversized", weight: 0.02, statuses: [413], make: () => post(misskeyPath, misskeyHeaders, oversized) },
    {
      name: "forged: GET",
      weight: 0.02,
      statuses: [405],
      make: () => ({ method: "GET", path: misskeyPath, headers: misskeyHeaders, body: Buffer.alloc(0) }),
    },
    { name: "invalid: misskey schema", weight: 0.04, statuses: [400], make: (n) => post(misskeyPath, misskeyHeaders, invalidNote(n)) },
    // OK SKY never resends: a payload failing its schema is answered 200, yet not dispatched.
    { name: "invalid: oksky schema", weight: 0.03, statuses: [200], make: (n) => post(okskyPath, okJson.headers, invalidOksky(n)) },
  ];
}

function post(path, headers, body) {
  return { method: "POST", path, headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body) };
}

function without(headers, name) {
  const copy = { ...headers };
  delete copy[name];
  return copy;
}

/** A body with one placeholder: `(n) => body with n in its place`. Refuses an ambiguous one. */
function template(body, placeholder) {
  const parts = body.split(placeholder);
  if (parts.length !== 2) throw new Error(`template: expected the placeholder once, found it ${parts.length - 1} times`);
  const [head, tail] = parts;
  return (n) => head + n + tail;
}

/** Fixed-rate traffic with bounded concurrency, and everything counted. */
class Load {
  sent = 0;
  skipped = 0;
  inFlight = 0;
  /** Per sequence number: 1 genuine and acknowledged, 2 genuine but not 2xx, 3 must never dispatch. */
  seqKind;
  nextSeq = 0;
  byKind = new Map();
  /** Recently acknowledged Misskey deliveries, to resend. */
  recent = [];

  constructor(port, settings, kinds, capacity) {
    this.port = port;
    this.settings = settings;
    this.kinds = kinds;
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
      const tick = () => {
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
      };
      const timer = setInterval(tick, 5);
    });
  }

  async drain(ms) {
    const end = Date.now() + ms;
    while (this.inFlight > 0 && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 20));
  }

  pick() {
    const r = Math.random() * this.total;
    return this.kinds[this.cumulative.findIndex((c) => r < c)] ?? this.kinds[0];
  }

  fire() {
    let kind = this.pick();
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

// ─── report ────────────────────────────────────────────────────────────────────────

function report(settings, load, kinds, samples, finish) {
  const problems = [];
  console.log("\n## Answers by kind\n");
  console.log("| kind | sent | answers | allowed | errors |");
  console.log("|---|---:|---|---|---|");
  let answered = 0;
  for (const kind of kinds) {
    const stats = load.byKind.get(kind.name);
    const statuses = [...stats.statuses].sort(([a], [b]) => a - b);
    answered += statuses.reduce((sum, [, n]) => sum + n, 0);
    const errors = [...stats.errors].map(([code, n]) => `${code}×${n}`).join(", ");
    console.log(
      `| ${kind.name} | ${stats.sent} | ${statuses.map(([s, n]) => `${s}×${n}`).join(", ")} | ${kind.statuses.join(", ")} | ${errors || "0"} |`,
    );
    const unexpected = statuses.filter(([status]) => !kind.statuses.includes(status));
    if (unexpected.length > 0) problems.push(`${kind.name}: unexpected answers ${unexpected.map(([s, n]) => `${s}×${n}`).join(", ")}`);
    if (stats.errors.size > 0) problems.push(`${kind.name}: connection errors ${errors}`);
  }
  console.log(
    `\nsent ${load.sent}, answered ${answered}, skipped at the concurrency cap ${load.skipped} (${percent(load.skipped, load.sent + load.skipped)})`,
  );
  if (load.skipped > 0.001 * (load.sent + load.skipped)) problems.push(`the rate was not sustained: ${load.skipped} requests skipped`);

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
  console.log(`onError reports (refusals and failures) ${finish.errorsReported}`);
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
  const rssFit = fit(secondHalf.map((s) => [s.minutes, s.rss]));
  const heapFit = fit(secondHalf.map((s) => [s.minutes, s.heap]));
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

/** Least-squares slope of y over x, with its standard error. */
function fit(points) {
  const n = points.length;
  if (n < 3) return { slope: 0, error: Infinity };
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return { slope: 0, error: Infinity };
  const slope = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  const residuals = points.reduce((s, [x, y]) => s + (y - my - slope * (x - mx)) ** 2, 0);
  return { slope, error: Math.sqrt(residuals / (n - 2) / sxx) };
}

function signed(value) {
  return `${value >= 0 ? "+" : ""}${value.toFixed(2)}`;
}

function percent(part, whole) {
  return whole === 0 ? "0%" : `${((100 * part) / whole).toFixed(2)}%`;
}

// Last, once every declaration above (the Load class too) is initialized.
if (process.argv.includes("--serve")) await serve();
else await main();
