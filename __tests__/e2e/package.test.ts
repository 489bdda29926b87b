import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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
  const bin = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { bin: Record<string, string> }).bin["express-webhook-receivers"]!;
  const db = join(tmpdir(), `ewr-cli-${process.pid}.db`);
  const out = run([bin, "inbox", "list", "--sqlite", db, "--json"]);
  expect(JSON.parse(out)).toEqual([]);
});
