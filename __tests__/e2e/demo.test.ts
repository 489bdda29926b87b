import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { promisify } from "node:util";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { PROVIDERS } from "../fixtures/providers.js";
import { startPostgresServer } from "../helpers/postgres-server.js";
import { startRedisServer } from "../helpers/redis-server.js";

// The demo as a user runs it: its server on a free port, the package resolved by name
// from a fresh build, the live page in a real headless Chromium, samples posted with
// demo-app/send.mjs.

const root = join(__dirname, "..", "..");
const CHROMIUM = "/usr/bin/chromium";
const artifacts = join(__dirname, "artifacts");
// The README's screenshot is committed: rewrite it only when missing or asked to.
const readmeShot = join(root, "demo-app", "screenshot.png");
const updateReadmeShot = process.env["UPDATE_SCREENSHOT"] === "1" || !existsSync(readmeShot);

const run = promisify(execFile);
// Each test spawns senders and waits on a browser: far over Jest's 5 s on a busy machine.
const TEST_TIMEOUT_MS = 30_000;

let stage: string;
let demo: { child: ChildProcess; url: string; output: () => string };
let browser: Browser;
let page: Page;

/**
 * Builds the package into a scratch copy of it (package.json, node_modules link,
 * demo-app). Not into dist/: package.test.ts rebuilds dist/ in parallel with this file,
 * and a half-written dist/ would fail either test at random.
 */
function stagePackage(): string {
  const dir = mkdtempSync(join(tmpdir(), "ewr-demo-"));
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  try {
    execFileSync(
      process.execPath,
      [
        tsc,
        "-p",
        join(root, "tsconfig.build.json"),
        "--outDir",
        join(dir, "dist", "esm"),
        "--declaration",
        "false",
        "--declarationMap",
        "false",
        "--sourceMap",
        "false",
      ],
      { cwd: root, stdio: "pipe", timeout: 150_000 },
    );
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const { stdout } = error as { stdout?: Buffer };
    throw new Error(`Building the package failed:\n${stdout?.toString() ?? String(error)}`, { cause: error });
  }
  writeFileSync(join(dir, "package.json"), readFileSync(join(root, "package.json")));
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  cpSync(join(root, "demo-app"), join(dir, "demo-app"), {
    recursive: true,
    filter: (source) => basename(source) !== "data" && basename(source) !== "screenshot.png",
  });
  return dir;
}

function startDemo(cwd: string, env: Record<string, string> = {}): Promise<typeof demo> {
  const child = spawn(process.execPath, ["demo-app/server.mjs"], {
    cwd,
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`The demo did not start within 15 s:\n${output}`));
    }, 15_000);
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const listening = /^listening on (http:\/\/\S+)$/m.exec(output);
      if (listening) {
        clearTimeout(timer);
        resolve({ child, url: listening[1]!, output: () => output });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`The demo exited (${code}) before listening:\n${output}`));
    });
  });
}

/** `npm run demo:send -- ...args` against the test's demo (or another); resolves with what it printed. */
async function send(...args: string[]): Promise<string> {
  return sendTo(demo.url, ...args);
}

async function sendTo(url: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["demo-app/send.mjs", ...args, "--url", url], { cwd: stage, timeout: 15_000 });
  return stdout;
}

const entries = (provider?: string): Locator => page.locator(provider ? `.entry[data-provider="${provider}"]` : ".entry");

// Page-side code is given as strings: this project's TypeScript has no DOM library.
async function waitForEntries(count: number, target: Page = page): Promise<void> {
  await target.waitForFunction(`document.querySelectorAll(".entry").length >= ${count}`, null, { timeout: 10_000 });
}

async function waitForSendResult(prefix: string): Promise<void> {
  await page.waitForFunction(`document.querySelector("#send-result").textContent.startsWith(${JSON.stringify(prefix)})`, null, {
    timeout: 10_000,
  });
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}. The demo's browser test needs Debian's chromium package ` +
        "(apt-get install -y chromium; .ci/run installs it).",
    );
  }
  stage = stagePackage();
  demo = await startDemo(stage);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(demo.url);
  await page.waitForSelector('#connection[data-state="live"]', { timeout: 10_000 });
}, 200_000);

afterAll(async () => {
  // Unset if beforeAll failed; afterAll runs anyway.
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  await browser?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- see above
  if (demo && demo.child.exitCode === null) {
    const exited = new Promise((resolve) => demo.child.once("exit", resolve));
    demo.child.kill("SIGTERM");
    await exited;
  }
  if (stage) rmSync(stage, { recursive: true, force: true });
}, 30_000);

// Every provider of the fixtures' table, OK SKY as multipart (the demo's form path).
const genuine: [provider: string, event: string, ...options: string[]][] = PROVIDERS.map((row) =>
  row.name === "oksky" ? [row.name, row.event, "--content-type", "multipart/form-data"] : [row.name, row.event],
);

test(
  "every provider's delivery appears with its event, id, 200 and payload; a forged one with 401 and its reason",
  async () => {
    for (const [provider, event, ...options] of genuine) {
      expect(await send(provider, event, ...options)).toMatch(/→ 200 OK\n\{"ok":true\}/);
    }
    expect(await send("misskey", "follow", "--bad-secret")).toMatch(/→ 401 Unauthorized\n.*"signature_mismatch"/);
    await waitForEntries(genuine.length + 1);

    for (const [provider, event] of genuine) {
      // Newest first, so a provider's first delivery is its last entry.
      const entry = entries(provider).last();
      expect(await entry.getAttribute("data-outcome")).toBe("accepted");
      expect(await entry.locator(".name").textContent()).toBe(event);
      expect(await entry.locator(".status").textContent()).toBe("200");
      expect(await entry.locator(".latency").textContent()).toMatch(/^\d+(\.\d)? ms$/);
      expect(await entry.locator("pre").textContent()).toContain('"');
    }
    // Where the provider sends a delivery id, it is shown.
    expect(await entries("misskey").last().locator(".id").textContent()).toMatch(/^id [0-9a-f-]{36}$/);
    expect(await entries("misskey").last().locator("pre").textContent()).toContain("Hello, fediverse!");
    // OK SKY never resends: its deliveries go through the embedded inbox; Misskey's do not.
    expect(await entries("oksky").last().locator(".tag").textContent()).toBe("inbox");
    expect(await entries("misskey").last().locator(".tag", { hasText: "inbox" }).count()).toBe(0);
    // meta.software: upstream Misskey's own delivery says so.
    expect(await entries("misskey").last().locator(".software").textContent()).toBe("misskey");

    // Newest first: the forged delivery, sent last, is on top.
    const forged = entries().first();
    expect(await forged.getAttribute("data-provider")).toBe("misskey");
    expect(await forged.getAttribute("data-outcome")).toBe("rejected");
    expect(await forged.locator(".status").textContent()).toBe("401");
    expect(await forged.locator(".reason").textContent()).toContain("signature_mismatch");
    expect(await forged.locator("details").count()).toBe(0);
  },
  TEST_TIMEOUT_MS,
);

test(
  "Misskey-compatible servers: a Firefish note and a Sharkey edited appear with 200 and the software that sent them",
  async () => {
    const before = await entries().count();
    expect(await send("misskey", "note", "--software", "firefish")).toMatch(/→ 200 OK\n\{"ok":true\}/);
    expect(await send("misskey", "edited", "--software", "sharkey")).toMatch(/→ 200 OK\n\{"ok":true\}/);
    await waitForEntries(before + 2);
    const [edited, firefish] = [entries("misskey").nth(0), entries("misskey").nth(1)];
    expect(await firefish.getAttribute("data-outcome")).toBe("accepted");
    expect(await firefish.locator(".name").textContent()).toBe("note");
    expect(await firefish.locator(".status").textContent()).toBe("200");
    expect(await firefish.locator(".software").textContent()).toBe("firefish");
    // Firefish sends no `server` field: the payload shown is the one it sent.
    expect(await firefish.locator("pre").textContent()).not.toContain('"server"');
    expect(await edited.locator(".name").textContent()).toBe("edited");
    expect(await edited.locator(".status").textContent()).toBe("200");
    expect(await edited.locator(".software").textContent()).toBe("sharkey");
    expect(await edited.locator("pre").textContent()).toContain("(edited)");

    // The page's form offers the same choice, for Misskey only.
    await page.selectOption("#provider", "misskey");
    expect(await page.isVisible("#software-field")).toBe(true);
    await page.selectOption("#software", "iceshrimp");
    await page.selectOption("#event", "reaction");
    await page.click("#send-button");
    await waitForSendResult("→ 200");
    await waitForEntries(before + 3);
    expect(await entries().first().locator(".name").textContent()).toBe("reaction");
    expect(await entries().first().locator(".software").textContent()).toBe("iceshrimp");
    await page.selectOption("#provider", "pokepay");
    expect(await page.isVisible("#software-field")).toBe(false);

    // A software the builder does not imitate is refused with the choices.
    await expect(send("misskey", "note", "--software", "pleroma")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("misskey, sharkey, firefish, iceshrimp, cherrypick, misskey-v13"),
    });
  },
  TEST_TIMEOUT_MS,
);

test(
  'NHN Cloud: SMS deliveries on the shared URL appear with 200, their "<product>/<event>" name and hooksId; a forged signature 401',
  async () => {
    const before = await entries().count();
    expect(await send("nhn-cloud", "SMS/MESSAGE_RESULT_UPDATE")).toMatch(/→ 200 OK\n\{"ok":true\}/);
    expect(await send("nhn-cloud", "SMS/UNSUBSCRIBE", "--bad-secret")).toMatch(/→ 401 Unauthorized\n.*"signature_mismatch"/);
    await waitForEntries(before + 2);
    const [forged, sms] = [entries("nhn-cloud").nth(0), entries("nhn-cloud").nth(1)];
    expect(await sms.getAttribute("data-outcome")).toBe("accepted");
    expect(await sms.locator(".name").textContent()).toBe("SMS/MESSAGE_RESULT_UPDATE");
    expect(await sms.locator(".status").textContent()).toBe("200");
    expect(await sms.locator(".id").textContent()).toMatch(/^id \S+$/);
    expect(await sms.locator("pre").textContent()).toContain('"messageStatus": "COMPLETED"');
    // NHN documents no retries: its deliveries are stored in the embedded inbox first.
    expect(await sms.locator(".tag").textContent()).toBe("inbox");
    expect(await forged.locator(".status").textContent()).toBe("401");
    expect(await forged.locator(".reason").textContent()).toContain("signature_mismatch");

    // Another product on the same URL, from the page's form.
    await page.selectOption("#provider", "nhn-cloud");
    await page.selectOption("#event", "Email/UNSUBSCRIBE");
    await page.click("#send-button");
    await waitForSendResult("→ 200");
    await waitForEntries(before + 3);
    expect(await entries().first().getAttribute("data-provider")).toBe("nhn-cloud");
    expect(await entries().first().locator(".name").textContent()).toBe("Email/UNSUBSCRIBE");
    expect(await entries().first().locator(".status").textContent()).toBe("200");
  },
  TEST_TIMEOUT_MS,
);

test(
  "the console has one line per delivery and per refusal",
  async () => {
    const logged = (pattern: RegExp) =>
      demo
        .output()
        .split("\n")
        .some((line) => pattern.test(line));
    // The page may have drawn an entry before the demo's stdout reached this process.
    for (let waited = 0; !logged(/ misskey +401 +signature_mismatch /) && waited < 5_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    for (const [provider, event] of genuine) {
      expect(logged(new RegExp(` ${provider} +200 +${event.replace(".", "\\.")} `))).toBe(true);
    }
    expect(logged(/ misskey +401 +signature_mismatch /)).toBe(true);
    expect(logged(/ misskey +200 +note via firefish /)).toBe(true);
    expect(logged(/ misskey +200 +edited via sharkey /)).toBe(true);
    expect(logged(/ nhn-cloud +200 +SMS\/MESSAGE_RESULT_UPDATE /)).toBe(true);
  },
  TEST_TIMEOUT_MS,
);

test(
  "/metrics counts the deliveries by provider, outcome and status; pino logged the refusal as JSON",
  async () => {
    const scrape = await (await fetch(`${demo.url}/metrics`)).text();
    for (const [provider] of genuine) {
      expect(scrape).toMatch(new RegExp(`webhook_requests_total\\{provider="${provider}",outcome="ok",status="200"\\} [1-9]`));
    }
    expect(scrape).toMatch(/webhook_requests_total\{provider="misskey",outcome="signature_mismatch",status="401"\} [1-9]/);
    expect(scrape).toContain("process_resident_memory_bytes");
    const refusal = demo
      .output()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((line) => line["code"] === "signature_mismatch");
    expect(refusal).toMatchObject({ provider: "misskey", status: 401, name: "webhooks" });
  },
  TEST_TIMEOUT_MS,
);

test(
  "the provider filter shows one provider's deliveries, then all again",
  async () => {
    const total = await entries().count();
    await page.click('#filters button[data-provider="pokepay"]');
    expect(await page.locator(".entry:visible").count()).toBe(1);
    expect(await page.locator('.entry:visible[data-provider="pokepay"]').count()).toBe(1);
    expect(await page.getAttribute('#filters button[data-provider="pokepay"]', "aria-pressed")).toBe("true");

    // A delivery of another provider arriving meanwhile stays hidden.
    await send("oneinbox", "call.started");
    await waitForEntries(total + 1);
    expect(await page.locator(".entry:visible").count()).toBe(1);

    await page.click('#filters button[data-provider=""]');
    expect(await page.locator(".entry:visible").count()).toBe(total + 1);
  },
  TEST_TIMEOUT_MS,
);

test(
  "the page's form posts samples to the demo's own hooks, including refused ones",
  async () => {
    const before = await entries().count();
    await page.selectOption("#provider", "oksky");
    await page.selectOption("#content-type", "application/x-www-form-urlencoded");
    await page.selectOption("#layout", "payload-field");
    await page.selectOption("#event", "Room.create");
    await page.click("#send-button");
    await waitForSendResult("→ 200");
    await waitForEntries(before + 1);
    expect(await entries("oksky").first().locator(".name").textContent()).toBe("Room.create");

    await page.selectOption("#provider", "pokepay");
    await page.selectOption("#tamper", "oversized");
    await page.click("#send-button");
    await waitForSendResult("→ 413");
    await waitForEntries(before + 2);
    const refused = entries().first();
    expect(await refused.getAttribute("data-provider")).toBe("pokepay");
    expect(await refused.locator(".status").textContent()).toBe("413");
    expect(await refused.locator(".reason").textContent()).toContain("body_too_large");
    await page.selectOption("#tamper", "none");
  },
  TEST_TIMEOUT_MS,
);

test(
  "a page opened later replays the recent deliveries",
  async () => {
    const count = await entries().count();
    const second = await browser.newPage();
    try {
      await second.goto(demo.url);
      await waitForEntries(count, second);
      expect(await second.locator(".entry").count()).toBe(count);
      expect(await second.locator(".entry").first().getAttribute("data-seq")).toBe(await entries().first().getAttribute("data-seq"));
    } finally {
      await second.close();
    }
  },
  TEST_TIMEOUT_MS,
);

test(
  "the sender spoils a sample on request: a malformed body is refused with 400",
  async () => {
    const before = await entries().count();
    expect(await send("oneinbox", "call.failed", "--malformed")).toMatch(/→ 400 Bad Request\n.*"malformed_body"/);
    await waitForEntries(before + 1);
    expect(await entries().first().getAttribute("data-outcome")).toBe("rejected");
    expect(await entries().first().locator(".status").textContent()).toBe("400");
    expect(await entries().first().locator(".reason").textContent()).toContain("malformed_body");
  },
  TEST_TIMEOUT_MS,
);

test(
  "the sender lists the valid choices for an unknown provider or event and exits 1",
  async () => {
    await expect(send("nope", "note")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("misskey, oksky, kakao-bizmessage, nhn-cloud, oneinbox, pokepay"),
    });
    await expect(send("pokepay", "nope")).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("bulk_shops, process_user_stats_operation"),
    });
  },
  TEST_TIMEOUT_MS,
);

test(
  "screenshots: 1280×800 for the README, and 360 px wide without horizontal overflow",
  async () => {
    mkdirSync(artifacts, { recursive: true });
    const samples = [
      ["pokepay", "bulk_shops"],
      ["kakao-bizmessage", "MESSAGE_RESULT_UPDATE", "--bad-secret"],
      ["nhn-cloud", "SMS/MESSAGE_RESULT_UPDATE"],
      ["oneinbox", "call.analyzed"],
      ["misskey", "note", "--software", "firefish"],
    ];
    const count = (await entries().count()) + samples.length;
    for (const args of samples) await send(...args);
    await waitForEntries(count);
    // A fresh page (replayed entries, untouched form), the newest delivery's payload open.
    await page.reload();
    await waitForEntries(count);
    await page.locator(".entry summary").first().click();
    const shot = await page.screenshot({ path: join(artifacts, "demo.png"), animations: "disabled" });
    if (updateReadmeShot) writeFileSync(readmeShot, shot);

    await page.setViewportSize({ width: 360, height: 800 });
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(360);
    await page.screenshot({ path: join(artifacts, "demo-360.png"), fullPage: true, animations: "disabled" });
  },
  TEST_TIMEOUT_MS,
);

describe("the demo over PostgreSQL or BullMQ, when given a URL", () => {
  const others: (typeof demo)[] = [];
  afterAll(async () => {
    for (const other of others) {
      const exited = new Promise((resolve) => other.child.once("exit", resolve));
      other.child.kill("SIGTERM");
      await exited;
    }
  });

  async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
    const end = Date.now() + 15_000;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test("DEMO_POSTGRES_URL: OK SKY's delivery is kept in PostgreSQL, done, and listed by the inbox CLI", async () => {
    const postgres = await startPostgresServer();
    try {
      const other = await startDemo(stage, { DEMO_POSTGRES_URL: postgres.url });
      others.push(other);
      expect(other.output()).toContain("inbox       PostgreSQL postgres://postgres@127.0.0.1:");
      expect(await sendTo(other.url, "oksky", "Message.create")).toMatch(/→ 200 OK\n\{"ok":true\}/);
      const list = async () =>
        (
          await run(
            process.execPath,
            ["dist/esm/cli/main.js", "inbox", "list", "--postgres", postgres.url, "--table", "demo_webhook_inbox"],
            {
              cwd: stage,
            },
          )
        ).stdout;
      await until(async () => /oksky\s+Message\.create\s+done/.test(await list()), "the record done");
    } finally {
      const other = others.pop();
      if (other) {
        other.child.kill("SIGTERM");
        await new Promise((resolve) => other.child.once("exit", resolve));
      }
      await postgres.stop();
    }
  }, 60_000);

  test("DEMO_REDIS_URL: OK SKY's delivery is queued when answered, then run by the BullMQ worker", async () => {
    const redis = await startRedisServer();
    try {
      const other = await startDemo(stage, { DEMO_REDIS_URL: redis.url });
      others.push(other);
      expect(other.output()).toContain('queue       BullMQ "demo-webhooks"');
      expect(await sendTo(other.url, "oksky", "Message.create")).toMatch(/→ 200 OK\n\{"ok":true\}/);
      await until(() => /→ oksky\s+200\s+queued for a worker/.test(other.output()), "the queued line");
      await until(() => /✓ oksky\s+---\s+Message\.create run by the worker/.test(other.output()), "the worker's line");
    } finally {
      const other = others.pop();
      if (other) {
        other.child.kill("SIGTERM");
        await new Promise((resolve) => other.child.once("exit", resolve));
      }
      await redis.stop();
    }
  }, 60_000);
});
