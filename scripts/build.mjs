// Emits dist/esm (ESM) and dist/cjs (CommonJS), each with its own .d.ts, so that
// `import` and `require` both get native code and matching types.
// Source maps embed their sources (--inlineSources): the package ships dist/ only, so a
// map naming ../../lib/*.ts would point a debugger or `node --enable-source-maps` at a
// file it does not have. No declaration maps, for the same reason (they cannot embed
// sources): "go to definition" lands in the .d.ts, with its JSDoc.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";

const tsc = (project) =>
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", project, "--inlineSources"], { stdio: "inherit" });

rmSync("dist", { recursive: true, force: true });
tsc("tsconfig.build.json");
tsc("tsconfig.cjs.json");
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
