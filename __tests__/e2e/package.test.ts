import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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

describe("the published tarball", () => {
  let consumer: string;

  beforeAll(() => {
    // Exactly what `npm publish` would upload, unpacked into a consumer project whose
    // other dependencies are linked from ours (no network).
    consumer = mkdtempSync(join(tmpdir(), "ewr-consumer-"));
    const packed = JSON.parse(
      execFileSync("npm", ["pack", "--json", "--pack-destination", consumer], { cwd: root, encoding: "utf8", timeout: 60_000 }),
    ) as { filename: string; files: { path: string }[] }[];
    const modules = join(consumer, "node_modules");
    mkdirSync(join(modules, "express-webhook-receivers"), { recursive: true });
    execFileSync("tar", [
      "-xzf",
      join(consumer, packed[0]!.filename),
      "-C",
      join(modules, "express-webhook-receivers"),
      "--strip-components=1",
    ]);
    for (const dependency of ["express", "zod", "busboy", "streamsearch", "better-sqlite3", "bindings", "file-uri-to-path"]) {
      symlinkSync(join(root, "node_modules", dependency), join(modules, dependency));
    }
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  }, 90_000);

  afterAll(() => {
    rmSync(consumer, { recursive: true, force: true });
  });

  const inConsumer = (args: string[]) => execFileSync(process.execPath, args, { cwd: consumer, encoding: "utf8", timeout: 30_000 });

  test("holds dist and the README, and no sources or tests", () => {
    const files = execFileSync(
      "tar",
      [
        "-tzf",
        join(
          consumer,
          readdirSync(consumer).find((f) => f.endsWith(".tgz"))!,
        ),
      ],
      { encoding: "utf8" },
    ).split("\n");
    expect(files).toContain("package/README.md");
    expect(files).toContain("package/dist/esm/index.js");
    expect(files).toContain("package/dist/cjs/index.d.ts");
    expect(files.some((f) => f.startsWith("package/lib/") || f.startsWith("package/__tests__/"))).toBe(false);
  });

  test("an ESM consumer and a CommonJS consumer both receive a delivery", () => {
    const esm = program(`import * as m from "express-webhook-receivers"; import * as t from "express-webhook-receivers/testing";`);
    const cjs = program(`const m = require("express-webhook-receivers"); const t = require("express-webhook-receivers/testing");`);
    const expected = { status: 200, text: "Hello, fediverse!", router: "function" };
    expect(JSON.parse(inConsumer(["--input-type=module", "-e", esm]))).toEqual(expected);
    expect(JSON.parse(inConsumer(["--input-type=commonjs", "-e", cjs]))).toEqual(expected);
  });

  test("the SQLite inbox loads its optional peer from the consumer's node_modules", () => {
    const out = inConsumer([
      "--input-type=module",
      "-e",
      `import { SqliteInbox } from "express-webhook-receivers"; const i = new SqliteInbox({ path: ":memory:" }); i.counts().then((c) => console.log(JSON.stringify(c)));`,
    ]);
    expect(JSON.parse(out)).toEqual({ pending: 0, failed: 0, done: 0 });
  });

  test("publint and arethetypeswrong (node16 and bundler resolution) find no problem", () => {
    const bin = (name: string) => join(root, "node_modules", ".bin", name);
    expect(() => execFileSync(bin("publint"), ["--strict"], { cwd: root, stdio: "pipe", timeout: 60_000 })).not.toThrow();
    expect(() =>
      execFileSync(bin("attw"), ["--pack", ".", "--profile", "node16"], { cwd: root, stdio: "pipe", timeout: 90_000 }),
    ).not.toThrow();
  }, 120_000);
});
