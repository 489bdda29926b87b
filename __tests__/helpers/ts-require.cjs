// Lets a plain `node` child process require the TypeScript sources, compiled on the fly
// by @swc/core as Jest does: `node -r ./__tests__/helpers/ts-require.cjs -e "require('x.ts')"`.
const { transformSync } = require("@swc/core");
const { existsSync, readFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, resolve } = require("node:path");

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  // Sources import "./x.js" (Node ESM style); the file on disk is x.ts.
  if (request.startsWith(".") && request.endsWith(".js") && parent && parent.filename.endsWith(".ts")) {
    const ts = resolve(dirname(parent.filename), request.slice(0, -3) + ".ts");
    if (existsSync(ts)) return ts;
  }
  return resolveFilename.call(this, request, parent, ...rest);
};

Module._extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, "utf8"), {
    filename,
    jsc: { parser: { syntax: "typescript" }, target: "es2022" },
    module: { type: "commonjs" },
  });
  module._compile(code, filename);
};
