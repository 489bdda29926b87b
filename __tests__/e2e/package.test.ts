import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startPostgresServer } from "../helpers/postgres-server.js";
import { startRedisServer } from "../helpers/redis-server.js";
import { OPTIONAL_PARTS_APP, TYPED_CONSUMER } from "./consumer-sources.js";

// The package as users get it: built to dist/, resolved through its own "exports" map
// (Node's self-reference by name), once as ESM and once as CommonJS.
const root = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { exports: Record<string, unknown> };
const subpaths = Object.keys(pkg.exports).filter((path) => path !== "./package.json");

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: 30_000 });
}

const program = (load: string) => `
  ${load}
  const misskey = m.createMisskeyReceiver({ secret: "s" });
  let text;
  misskey.on("note", (e) => { text = e.payload.body.note.text; });
  const d = t.misskeyDelivery("note", { secret: "s" });
  misskey.receive(d).then((r) => console.log(JSON.stringify({ status: r.status, text, router: typeof misskey.router })));
`;

beforeAll(() => {
  execFileSync(process.execPath, ["scripts/build.mjs"], { cwd: root, stdio: "pipe", timeout: 120_000 });
}, 130_000);

test("dist has ESM and CommonJS entry points with types for every subpath", () => {
  for (const subpath of subpaths) {
    const entry = pkg.exports[subpath] as Record<"import" | "require", { types: string; default: string }>;
    for (const condition of ["import", "require"] as const) {
      expect(existsSync(join(root, entry[condition].types))).toBe(true);
      expect(existsSync(join(root, entry[condition].default))).toBe(true);
    }
  }
});

test("works when imported as ESM", () => {
  const out = run([
    "--input-type=module",
    "-e",
    program(`import * as m from "express-webhook-receivers"; import * as t from "express-webhook-receivers/testing";`),
  ]);
  expect(JSON.parse(out)).toEqual({ status: 200, text: "Hello, fediverse!", router: "function" });
});

test("works when required as CommonJS", () => {
  const out = run([
    "--input-type=commonjs",
    "-e",
    program(`const m = require("express-webhook-receivers"); const t = require("express-webhook-receivers/testing");`),
  ]);
  expect(JSON.parse(out)).toEqual({ status: 200, text: "Hello, fediverse!", router: "function" });
});

test.each(subpaths)("subpath %s loads in both module systems", (subpath) => {
  const specifier = subpath === "." ? "express-webhook-receivers" : `express-webhook-receivers/${subpath.slice(2)}`;
  const esm = run(["--input-type=module", "-e", `import * as m from "${specifier}"; console.log(Object.keys(m).length)`]);
  const cjs = run(["--input-type=commonjs", "-e", `console.log(Object.keys(require("${specifier}")).length)`]);
  expect(Number(esm)).toBeGreaterThan(0);
  expect(Number(cjs)).toBe(Number(esm));
});

test("the CLI runs from its bin entry", () => {
  const bin = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: Record<string, string> }).bin[
    "express-webhook-receivers"
  ]!;
  const db = join(tmpdir(), `ewr-cli-${process.pid}.db`);
  try {
    // The CLI never creates an inbox: a receiver's SqliteInbox does.
    run([
      "--input-type=module",
      "-e",
      `import { SqliteInbox } from "express-webhook-receivers"; new SqliteInbox({ path: ${JSON.stringify(db)} }).close();`,
    ]);
    const out = run([bin, "inbox", "list", "--sqlite", db, "--json"]);
    expect(JSON.parse(out)).toEqual([]);
  } finally {
    rmSync(db, { force: true });
  }
});

// Issue 13 item 7: better-sqlite3 is found from the package's own location, as Node
// finds its dependencies, not only from the working directory. A bin linked from
// elsewhere (a global install, `npm link`) run in another directory used to be told to
// install it although it was there.
describe.each(["esm", "cjs"])("the %s CLI, linked from elsewhere and run in another directory", (build) => {
  let away: string;
  beforeAll(() => {
    away = mkdtempSync(join(tmpdir(), "ewr-cli-away-"));
    mkdirSync(join(away, "bin"));
    symlinkSync(join(root, "dist", build, "cli", "main.js"), join(away, "bin", "express-webhook-receivers"));
  });
  afterAll(() => {
    rmSync(away, { recursive: true, force: true });
  });
  const cliAway = (args: string[]) =>
    spawnSync(process.execPath, [join(away, "bin", "express-webhook-receivers"), ...args], {
      cwd: away,
      encoding: "utf8",
      timeout: 30_000,
    });

  test("finds better-sqlite3 and lists a real inbox", () => {
    const db = join(away, "webhooks.db");
    run([
      "--input-type=module",
      "-e",
      `import { SqliteInbox } from "express-webhook-receivers"; new SqliteInbox({ path: ${JSON.stringify(db)} }).close();`,
    ]);
    const result = cliAway(["inbox", "list", "--sqlite", "webhooks.db", "--json"]);
    expect(result.stderr).toBe("");
    expect([result.status, JSON.parse(result.stdout)]).toEqual([0, []]);
  });

  test("a path with no inbox exits 1 and creates nothing", () => {
    const result = cliAway(["inbox", "list", "--sqlite", "typo.db"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("No inbox at typo.db: the file does not exist (nothing was created).");
    expect(existsSync(join(away, "typo.db"))).toBe(false);
  });
});

describe("the published tarball, installed from the registry beside the newest major of every peer", () => {
  // One consumer project for everything below: one `npm install` (better-sqlite3 compiles
  // from source there, 1–2 minutes; npm's cache is reused), next to the newest major of
  // every peer and each TypeScript version under its own alias.
  const nodeMajor = Number(process.versions.node.split(".")[0]);
  // better-sqlite3 13 needs Node 22 (on Node 20 it crashes); the peer range allows it.
  const sqliteMajor = nodeMajor >= 22 ? 13 : 12;
  const peers = ["express@5", "ioredis@6", `better-sqlite3@${sqliteMajor}`, "prom-client@15", "@opentelemetry/api@1", "pg@8", "bullmq@6"];
  const typescripts = {
    ts50: "5.0",
    ts54: "5.4",
    ts5: "5",
    ts6: "6",
    ts7: "7",
  } as const;
  // No @types/pg: our declarations type pg structurally (checked below), and the typed
  // consumer compiles without it.
  const typings = ["@types/express@5", `@types/node@${nodeMajor}`];

  let consumer: string;
  let tarball: string;
  let install: { status: number | null; output: string };

  beforeAll(() => {
    consumer = mkdtempSync(join(tmpdir(), "ewr-consumer-"));
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", consumer], { cwd: root, encoding: "utf8", timeout: 60_000 }),
    ) as { filename: string }[];
    tarball = join(consumer, packed[0]!.filename);
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
    // What a user types, without --legacy-peer-deps; npm's own variables from `npm test`
    // are left out so that nothing of this repository's configuration leaks in.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith("npm_")));
    const aliases = Object.entries(typescripts).map(([alias, version]) => `${alias}@npm:typescript@${version}`);
    const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, ...peers, ...typings, ...aliases], {
      cwd: consumer,
      env,
      encoding: "utf8",
      timeout: 840_000,
    });
    install = { status: result.status, output: `${result.stdout}${result.stderr}` };
  }, 900_000);

  afterAll(() => {
    rmSync(consumer, { recursive: true, force: true });
  });

  const inConsumer = (args: string[], env: Record<string, string> = {}) =>
    execFileSync(process.execPath, args, { cwd: consumer, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } });

  test(`npm install resolves beside ${peers.join(", ")} without ERESOLVE`, () => {
    expect(install.output).not.toMatch(/ERESOLVE|peer dep/i);
    expect(install).toMatchObject({ status: 0 });
    for (const peer of peers) {
      const [name, major] = [peer.slice(0, peer.lastIndexOf("@")), peer.slice(peer.lastIndexOf("@") + 1)];
      const installed = JSON.parse(readFileSync(join(consumer, "node_modules", name, "package.json"), "utf8")) as { version: string };
      expect(installed.version.split(".")[0]).toBe(major);
    }
  });

  test("holds dist and the README, and no sources or tests", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n");
    expect(files).toContain("package/README.md");
    expect(files).toContain("package/dist/esm/index.js");
    expect(files).toContain("package/dist/cjs/index.d.ts");
    expect(files.some((f) => f.startsWith("package/lib/") || f.startsWith("package/__tests__/"))).toBe(false);
  });

  test("every source map carries the sources it names; no declaration maps point at unshipped sources", () => {
    const files = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" })
      .split("\n")
      .map((f) => f.replace(/^package\//, ""));
    expect(files.filter((f) => f.endsWith(".d.ts.map"))).toEqual([]);
    const maps = files.filter((f) => f.endsWith(".js.map"));
    expect(maps.length).toBe(files.filter((f) => f.endsWith(".js")).length);
    const installed = join(consumer, "node_modules", "express-webhook-receivers");
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(installed, map), "utf8")) as {
        sources: string[];
        sourcesContent?: string[];
      };
      // The content is the very file the map names, as it is in this repository.
      expect(sourcesContent).toEqual(sources.map((source) => readFileSync(join(root, dirname(map), source), "utf8")));
    }
  });

  test("an ESM consumer and a CommonJS consumer both receive a delivery", () => {
    const esm = program(`import * as m from "express-webhook-receivers"; import * as t from "express-webhook-receivers/testing";`);
    const cjs = program(`const m = require("express-webhook-receivers"); const t = require("express-webhook-receivers/testing");`);
    const expected = { status: 200, text: "Hello, fediverse!", router: "function" };
    expect(JSON.parse(inConsumer(["--input-type=module", "-e", esm]))).toEqual(expected);
    expect(JSON.parse(inConsumer(["--input-type=commonjs", "-e", cjs]))).toEqual(expected);
  });

  test(
    "a delivery goes through RedisStore, RedisInbox, SqliteInbox, a transactional PostgresInbox, PostgresStore, " +
      "BullmqHandoff with createBullmqWorker, webhookMetrics and webhookTracing",
    async () => {
      const [redis, postgres] = await Promise.all([startRedisServer(), startPostgresServer()]);
      try {
        writeFileSync(join(consumer, "optional-parts.mjs"), OPTIONAL_PARTS_APP);
        const out = JSON.parse(
          inConsumer(["optional-parts.mjs"], { REDIS_URL: redis.url, PG_URL: postgres.url, SQLITE_PATH: join(consumer, "inbox.db") }),
        ) as Record<string, Record<string, unknown>>;
        const settled = { pending: 0, failed: 0, done: 1 };
        expect(out.misskey).toEqual({ statuses: [200, 200], dispatched: 1, dedupeKeys: 1 });
        expect(out.oksky).toMatchObject({ status: 200, contents: [out.oksky!.expected], inbox: settled });
        expect(out.pokepay).toMatchObject({ status: 200, ids: [out.pokepay!.expected], inbox: settled });
        // The listener's row, written through the delivery's transaction, committed with its "done".
        expect(out.postgresInbox).toMatchObject({ status: 200, rows: [out.postgresInbox!.expected], inbox: settled });
        expect(out.postgresStore).toEqual({ statuses: [200, 200], dispatched: 1, dedupeKeys: 1 });
        // The worker ran the listener once; the resend after its job completed added no job.
        const jobs = { completed: 1, failed: 0, waiting: 0, active: 0, delayed: 0 };
        expect(out.bullmq).toEqual({
          answers: [
            [200, { ok: true }],
            [200, { ok: true, duplicate: true }],
          ],
          ran: [out.bullmq!.expected],
          expected: out.bullmq!.expected,
          jobsBefore: jobs,
          jobsAfter: jobs,
        });
        expect(out.requests).toEqual([
          'webhook_requests_total{provider="kakao-bizmessage",outcome="duplicate",status="200"} 1',
          'webhook_requests_total{provider="kakao-bizmessage",outcome="ok",status="200"} 1',
          'webhook_requests_total{provider="misskey",outcome="duplicate",status="200"} 1',
          'webhook_requests_total{provider="misskey",outcome="ok",status="200"} 1',
          'webhook_requests_total{provider="nhn-cloud",outcome="duplicate",status="200"} 1',
          'webhook_requests_total{provider="nhn-cloud",outcome="ok",status="200"} 1',
          'webhook_requests_total{provider="oksky",outcome="ok",status="200"} 1',
          'webhook_requests_total{provider="oneinbox",outcome="ok",status="200"} 1',
          'webhook_requests_total{provider="pokepay",outcome="ok",status="200"} 1',
        ]);
        expect(out.spans).toEqual(
          expect.arrayContaining([
            "webhook misskey note",
            "webhook misskey note listener",
            "webhook oksky Message.create listener",
            "webhook pokepay process_user_stats_operation listener",
            "webhook oneinbox call.ended listener",
            "webhook kakao-bizmessage MESSAGE_RESULT_UPDATE listener",
            // Run by the BullMQ worker, outside any request: spanned as an inbox retry is.
            "webhook nhn-cloud listener",
          ]),
        );
        // Two requests and the worker's run.
        expect((out.spans as unknown as string[]).filter((name) => name === "webhook nhn-cloud SMS/CONVERSION_BLOCK")).toHaveLength(3);
      } finally {
        await Promise.all([redis.stop(), postgres.stop()]);
      }
    },
    120_000,
  );

  test("the PostgreSQL declarations type pg structurally: a consumer needs no @types/pg", () => {
    const dist = join(consumer, "node_modules", "express-webhook-receivers", "dist");
    const declarations = (readdirSync(dist, { recursive: true }) as string[]).filter((file) => file.endsWith(".d.ts"));
    expect(declarations.filter((file) => /postgres/.test(file)).length).toBeGreaterThan(0);
    const namingPg = declarations.filter((file) => {
      const text = readFileSync(join(dist, file), "utf8");
      if (/<reference\s+types=["']pg["']/.test(text)) return true;
      // Examples in doc comments may show `import pg from "pg"`: only code counts.
      const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
      return /\bfrom\s*["']pg["']|import\(\s*["']pg["']\s*\)|require\(\s*["']pg["']\s*\)/.test(code);
    });
    expect(existsSync(join(consumer, "node_modules", "@types", "pg"))).toBe(false);
    expect(namingPg).toEqual([]);
  });

  // Module settings a consumer's tsconfig may have. TypeScript 5 defaults `module:
  // commonjs` to node10 resolution, 6 and 7 to bundler; 6 deprecates node10, 7 removed it.
  const settings = {
    "commonjs + node10": { files: ["app.ts"], compilerOptions: { module: "commonjs", moduleResolution: "node10" } },
    "commonjs (default resolution)": { files: ["app.ts"], compilerOptions: { module: "commonjs" } },
    "node16 (CJS and ESM files)": { files: ["app.cts", "app.mts"], compilerOptions: { module: "node16", moduleResolution: "node16" } },
    "nodenext (CJS and ESM files)": {
      files: ["app.cts", "app.mts"],
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext" },
    },
    bundler: { files: ["app.ts"], compilerOptions: { module: "esnext", moduleResolution: "bundler" } },
  } as const;
  type Setting = keyof typeof settings;
  const matrix: [keyof typeof typescripts, Setting][] = [
    // zod's declarations use NoInfer (TypeScript 5.4): before 5.4, only with skipLibCheck.
    ["ts50", "commonjs + node10"],
    ["ts50", "node16 (CJS and ESM files)"],
    ["ts50", "bundler"],
    ["ts54", "commonjs + node10"],
    ["ts5", "commonjs + node10"],
    ["ts5", "node16 (CJS and ESM files)"],
    ["ts5", "bundler"],
    ["ts6", "commonjs + node10"],
    ["ts6", "commonjs (default resolution)"],
    ["ts6", "nodenext (CJS and ESM files)"],
    ["ts6", "bundler"],
    ["ts7", "commonjs (default resolution)"],
    ["ts7", "nodenext (CJS and ESM files)"],
    ["ts7", "bundler"],
  ];

  test.each(matrix)(
    "%s, %s: every subpath type-checks (strict)",
    (alias, setting) => {
      const version = (JSON.parse(readFileSync(join(consumer, "node_modules", alias, "package.json"), "utf8")) as { version: string })
        .version;
      expect(`${version}.`.startsWith(`${typescripts[alias]}.`)).toBe(true);
      for (const file of ["app.ts", "app.cts", "app.mts"]) writeFileSync(join(consumer, file), TYPED_CONSUMER);
      const config = `tsconfig.${alias}.${setting.replace(/\W+/g, "-")}.json`;
      const { files, compilerOptions } = settings[setting];
      writeFileSync(
        join(consumer, config),
        JSON.stringify({
          files,
          compilerOptions: {
            ...compilerOptions,
            strict: true,
            noEmit: true,
            esModuleInterop: true,
            target: "ES2022",
            lib: ["ES2022"],
            types: ["node"],
            skipLibCheck: alias === "ts50",
            ...(alias === "ts6" && setting === "commonjs + node10" && { ignoreDeprecations: "6.0" }),
          },
        }),
      );
      const tsc = spawnSync(process.execPath, [join("node_modules", alias, "bin", "tsc"), "-p", config], {
        cwd: consumer,
        encoding: "utf8",
        timeout: 170_000,
      });
      expect({ status: tsc.status, output: `${tsc.stdout}${tsc.stderr}` }).toEqual({ status: 0, output: "" });
    },
    180_000,
  );

  test("the SQLite inbox loads its optional peer from the consumer's node_modules", () => {
    const out = inConsumer([
      "--input-type=module",
      "-e",
      `import { SqliteInbox } from "express-webhook-receivers"; const i = new SqliteInbox({ path: ":memory:" }); i.counts().then((c) => console.log(JSON.stringify(c)));`,
    ]);
    expect(JSON.parse(out)).toEqual({ pending: 0, failed: 0, done: 0 });
  });

  test("publint and arethetypeswrong (node10, node16 and bundler resolution) find no problem", () => {
    const bin = (name: string) => join(root, "node_modules", ".bin", name);
    expect(() => execFileSync(bin("publint"), ["--strict"], { cwd: root, stdio: "pipe", timeout: 60_000 })).not.toThrow();
    expect(() => execFileSync(bin("attw"), ["--pack", "."], { cwd: root, stdio: "pipe", timeout: 90_000 })).not.toThrow();
  }, 120_000);
});
