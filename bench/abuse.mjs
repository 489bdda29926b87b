#!/usr/bin/env node
// `npm run bench:abuse` (also the last part of `npm run bench`): memory and answers under
// abuse. One server (Misskey and OK SKY receivers, default options) takes, one case at a
// time: 200 concurrent 10 MB bodies (declared, chunked, and with a wrong secret),
// slow-drip bodies, and forms with thousands of parts or fields. Meanwhile a canary
// sends a valid delivery every 100 ms. Reported per case: the answers, the server's
// peak RSS (sampled every 50 ms), and how the canary fared. Then the worst bodies of at
// most 1 MiB (deep JSON, form keys like a[1000][1000]…), each in a process of its own:
// peak RSS per body, alone and 4 at once under a 256 MB heap.
//
// Env: BENCH_ABUSE_CONNECTIONS (default 200), BENCH_ABUSE_MB (body size, default 10),
// BENCH_DRIP_CONNECTIONS (default 50), BENCH_DRIP_SECONDS (how long a drip may go
// unanswered, default 20), BENCH_ABUSE_SECONDS (load time of the form cases, default 5).
import { execFile } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as testing from "express-webhook-receivers/testing";
import { encodeMultipartBody, misskeyNoteJson, withFreshIds } from "./support/bodies.mjs";
import { load } from "./support/load.mjs";
import { guardChildren, pinSelf, pinning, startServer } from "./support/processes.mjs";
import { machine, table } from "./support/report.mjs";
import { rawPost } from "./support/raw-client.mjs";
import { SECRET } from "./scenarios.mjs";

const num = (name, fallback) => Number(process.env[name] ?? fallback);
const settings = {
  connections: num("BENCH_ABUSE_CONNECTIONS", 200),
  megabytes: num("BENCH_ABUSE_MB", 10),
  dripConnections: num("BENCH_DRIP_CONNECTIONS", 50),
  dripSeconds: num("BENCH_DRIP_SECONDS", 20),
  formSeconds: num("BENCH_ABUSE_SECONDS", 5),
};
const MIB = 1024 * 1024;

function misskeyHeaders(secret) {
  return { ...testing.misskeyDelivery("note", { secret }).headers, "content-type": "application/json" };
}

/** Samples the server's RSS every 50 ms; `peak()` is the highest since the last reset. */
function rssSampler(server) {
  let peak = 0;
  const timer = setInterval(() => {
    const { rssKb } = server.proc();
    if (rssKb > peak) peak = rssKb;
  }, 50);
  return {
    reset: () => {
      peak = server.proc().rssKb;
    },
    peak: () => Math.max(peak, server.proc().rssKb),
    stop: () => clearInterval(timer),
  };
}

/** A valid Misskey delivery every 100 ms, one at a time: is the server still serving? */
function canary(port) {
  const request = withFreshIds({
    method: "POST",
    path: "/hooks/misskey",
    headers: misskeyHeaders(SECRET),
    body: misskeyNoteJson(testing.misskeyPayload, 1024).body,
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let running = true;
  let stats;
  const reset = () => {
    stats = { sent: 0, ok: 0, failed: 0, latencies: [] };
  };
  reset();
  const once = () =>
    new Promise((resolve) => {
      const built = request.setupRequest({ ...request });
      const started = Date.now();
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method: "POST",
          path: built.path,
          agent,
          headers: { ...built.headers, "content-length": built.body.length },
          timeout: 5000,
        },
        (res) => {
          res.resume();
          res.on("end", () => {
            stats.latencies.push(Date.now() - started);
            if (res.statusCode === 200) stats.ok += 1;
            else stats.failed += 1;
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        stats.failed += 1;
        stats.latencies.push(Date.now() - started);
        resolve();
      });
      req.end(built.body);
    });
  const done = (async () => {
    while (running) {
      const started = Date.now();
      await once();
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, 100 - (Date.now() - started))));
    }
  })();
  return {
    reset,
    report: () => {
      const sorted = [...stats.latencies].sort((a, b) => a - b);
      // Counted when answered (or failed), so a reset between cases never splits a request.
      return { ...stats, sent: stats.ok + stats.failed, p50: sorted[Math.floor(sorted.length / 2)] ?? NaN, max: sorted.at(-1) ?? NaN };
    },
    stop: async () => {
      running = false;
      await done;
      agent.destroy();
    },
  };
}

const tally = (results) => {
  const counts = {};
  for (const result of results) {
    const key = result.status ?? `no answer (${result.error ?? "closed"})`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
};

function formBodies(okskyDelivery) {
  if (!okskyDelivery) return [];
  const { headers } = okskyDelivery("Message.create", { secret: SECRET, contentType: "multipart/form-data" });
  const fields = Array.from({ length: 5000 }, (_, i) => [`object[tags][${i}]`, "x"]);
  const manyFields = encodeMultipartBody([["action", "create"], ["object_name", "Message"], ...fields]);
  const files = Array.from({ length: 5000 }, (_, i) => ({
    name: `file${i}`,
    filename: `f${i}.txt`,
    type: "text/plain",
    data: Buffer.from("x"),
  }));
  const manyFiles = encodeMultipartBody(
    [
      ["action", "create"],
      ["object_name", "Message"],
    ],
    files,
  );
  const urlencoded = Buffer.from("action=create&object_name=Message&" + Array.from({ length: 50_000 }, (_, i) => `f${i}=1`).join("&"));
  return [
    { name: "multipart, 5,000 fields", headers: { ...headers, "content-type": manyFields.contentType }, body: manyFields.body },
    { name: "multipart, 5,000 file parts", headers: { ...headers, "content-type": manyFiles.contentType }, body: manyFiles.body },
    { name: "urlencoded, 50,000 fields", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: urlencoded },
  ];
}

async function okskySamples() {
  if (typeof testing.okskyDelivery === "function") return testing.okskyDelivery;
  try {
    const url = new URL("./dist/esm/testing/samples/oksky.js", import.meta.resolve("express-webhook-receivers/package.json"));
    return (await import(url.href)).okskyDelivery;
  } catch {
    return undefined;
  }
}

export async function runAbuse() {
  guardChildren();
  pinSelf();
  const host = machine();
  console.log(`\n# Abuse — ${new Date().toISOString()}`);
  console.log(
    `${host.cpu}, ${host.cpus} CPUs, Node ${host.node}; server ${pinning ? `pinned to CPU ${pinning.server}` : "not pinned"}; load average ${host.loadAverage}\n`,
  );

  const server = await startServer("abuse", { secret: SECRET });
  const rss = rssSampler(server);
  const bird = canary(server.port);
  const rows = [];
  const findings = [];
  const bytes = settings.megabytes * MIB;
  const idleKb = server.proc().rssKb;
  try {
    const flood = async (name, headers, body, expected) => {
      rss.reset();
      bird.reset();
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: settings.connections }, () =>
          rawPost({ port: server.port, path: "/hooks/misskey", headers, body, deadlineMs: 60_000 }),
        ),
      );
      const counts = tally(results);
      const ok = results.filter((r) => expected.includes(r.status)).length;
      const slowest = Math.max(...results.map((r) => r.answeredAfterMs ?? NaN).filter(Number.isFinite));
      rows.push(row(name, settings.connections, counts, ok, rss.peak(), bird.report(), Date.now() - started, slowest));
      if (ok < settings.connections)
        findings.push(
          `${name}: ${settings.connections - ok} of ${settings.connections} not answered ${expected.join("/")}: ${JSON.stringify(counts)}`,
        );
    };

    const mb = `${settings.megabytes} MB`;
    await flood(`${settings.connections} × ${mb}, Content-Length`, misskeyHeaders(SECRET), { bytes }, [413]);
    await flood(`${settings.connections} × ${mb}, chunked (no length)`, misskeyHeaders(SECRET), { bytes, chunked: true }, [413]);
    await flood(`${settings.connections} × ${mb}, wrong secret`, misskeyHeaders("wrong-secret"), { bytes, chunked: true }, [401]);

    // Slow drip: a body declared at 4 KB, one byte every 500 ms.
    rss.reset();
    bird.reset();
    const dripStarted = Date.now();
    const drips = await Promise.all(
      Array.from({ length: settings.dripConnections }, () =>
        rawPost({
          port: server.port,
          path: "/hooks/misskey",
          headers: misskeyHeaders(SECRET),
          body: { bytes: 4096, dripEveryMs: 500 },
          deadlineMs: settings.dripSeconds * 1000,
        }),
      ),
    );
    const dripOk = drips.filter((r) => r.status === 408).length;
    rows.push(
      row(
        `${settings.dripConnections} slow drips (4 KB declared, 1 byte / 500 ms), ${settings.dripSeconds} s`,
        settings.dripConnections,
        tally(drips),
        dripOk,
        rss.peak(),
        bird.report(),
        Date.now() - dripStarted,
      ),
    );
    if (dripOk < settings.dripConnections) {
      findings.push(
        `slow drip: ${settings.dripConnections - dripOk} of ${settings.dripConnections} not answered 408 within ${settings.dripSeconds} s (${JSON.stringify(tally(drips))}); ` +
          "the core has no body-read timeout, so a drip holds its connection until Node's own server.requestTimeout (300 s by default) ends it",
      );
    }

    const okskyDelivery = await okskySamples();
    const forms = formBodies(okskyDelivery);
    if (forms.length === 0) findings.push("form cases skipped: OK SKY is not built yet");
    for (const form of forms) {
      rss.reset();
      bird.reset();
      const started = Date.now();
      const result = await load(server, {
        request: { method: "POST", path: "/hooks/oksky", headers: form.headers, body: form.body },
        expect: 413,
        seconds: settings.formSeconds,
        connections: 50,
      });
      const total = result.expected + result.unexpected;
      rows.push(
        row(
          `${form.name} (${(form.body.length / 1024).toFixed(0)} KB), 50 connections, ${settings.formSeconds} s`,
          total,
          result.statuses,
          result.expected,
          rss.peak(),
          bird.report(),
          Date.now() - started,
        ),
      );
      if (result.unexpected > 0 || result.errors > 0)
        findings.push(`${form.name}: ${JSON.stringify(result.statuses)}, ${result.errors} socket errors`);
    }
  } finally {
    await bird.stop();
    rss.stop();
    const end = server.proc();
    const counters = await server.stats().catch(() => undefined);
    await server.stop(2000);
    console.log(
      table(
        ["case", "requests", "answers", "as expected", "server peak RSS MB", "canary ok / sent", "canary p50 / max ms", "case took s"],
        rows,
      ),
    );
    console.log(
      `\nserver RSS: ${(idleKb / 1024).toFixed(0)} MB idle at start, ${(end.rssKb / 1024).toFixed(0)} MB at the end, ${(end.hwmKb / 1024).toFixed(0)} MB peak (VmHWM)`,
    );
    if (counters)
      console.log(`receiver errors reported: ${JSON.stringify(counters.errorCodes)}; valid deliveries dispatched: ${counters.events}`);
    console.log(findings.length === 0 ? "\nevery request answered as expected" : `\n${findings.map((f) => `- ${f}`).join("\n")}`);
  }
  return { rows, findings };
}

/** The worst authenticated bodies of at most 1 MiB (issue 12, item 4), each in a fresh process: see __tests__/helpers/body-memory.cjs. */
const BODY_CASES = [
  "json-deep",
  "json-objects",
  "json-zeros",
  "json-objects-fit",
  "json-zeros-fit",
  "json-strings-fit",
  "urlencoded-1000",
  "urlencoded-20",
  "urlencoded-names-1mib",
  "urlencoded-20-1mib",
  "multipart-1000",
  "multipart-20",
  "multipart-names-1mib",
];

/**
 * Peak RSS per body: each case alone and 4 at once, in a child with a 256 MB heap. Goal:
 * at most 10× the body (10 MiB per 1 MiB body in flight), and no crash.
 */
export async function runBodyMemory() {
  const run = promisify(execFile);
  const repo = fileURLToPath(new URL("..", import.meta.url));
  const rows = [];
  const findings = [];
  for (const name of BODY_CASES) {
    for (const copies of [1, 4]) {
      try {
        const { stdout } = await run(
          process.execPath,
          [
            "--max-old-space-size=256",
            "-r",
            "./__tests__/helpers/ts-require.cjs",
            "__tests__/helpers/body-memory.cjs",
            name,
            String(copies),
          ],
          { cwd: repo, timeout: 120_000 },
        );
        const result = JSON.parse(stdout.trim().split("\n").at(-1));
        const grewKb = result.afterKb - result.beforeKb;
        rows.push([
          name,
          String(copies),
          `${(result.bodyBytes / 1024).toFixed(0)} KB`,
          [...new Set(result.statuses)].join(", "),
          (grewKb / 1024).toFixed(1),
          ((grewKb * 1024) / (copies * result.bodyBytes)).toFixed(1),
        ]);
        if (grewKb > copies * 10 * 1024)
          findings.push(`${name} × ${copies}: peak RSS up ${(grewKb / 1024).toFixed(1)} MiB, over 10 MiB per body`);
      } catch (error) {
        rows.push([name, String(copies), "", "crashed", "", ""]);
        findings.push(`${name} × ${copies}: the process died (${String(error.message).split("\n")[0].slice(0, 120)})`);
      }
    }
  }
  console.log("\n## Peak RSS per body (receive(), default options, child with --max-old-space-size=256)\n");
  console.log(table(["case", "at once", "body", "answers", "peak RSS up MiB", "× body size"], rows));
  console.log(findings.length === 0 ? "\nevery case within 10× its body, no crash" : `\n${findings.map((f) => `- ${f}`).join("\n")}`);
  return { rows, findings };
}

function row(name, requests, counts, ok, peakKb, bird, tookMs, slowestMs) {
  return [
    name,
    String(requests),
    Object.entries(counts)
      .map(([status, count]) => `${status}: ${count}`)
      .join(", "),
    `${ok} / ${requests}`,
    (peakKb / 1024).toFixed(0),
    `${bird.ok} / ${bird.sent}`,
    `${bird.p50} / ${bird.max}`,
    (tookMs / 1000).toFixed(1) + (slowestMs ? ` (last answer ${(slowestMs / 1000).toFixed(1)})` : ""),
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { findings } = await runAbuse();
  const memory = await runBodyMemory();
  process.exitCode = findings.length + memory.findings.length > 0 ? 1 : 0;
}
