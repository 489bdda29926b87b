import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "coverage/", "node_modules/", "demo-app/data/", "bench/results/"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Template literals with numbers and unknown errors are how messages are built here.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
    },
  },
  {
    files: ["**/*.mjs", "**/*.js", "**/*.cjs"],
    languageOptions: {
      globals: { process: "readonly", console: "readonly", Buffer: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", setImmediate: "readonly", URL: "readonly", fetch: "readonly", performance: "readonly", AbortController: "readonly", TextDecoder: "readonly", TextEncoder: "readonly", structuredClone: "readonly", require: "readonly", module: "writable", __dirname: "readonly", document: "readonly", window: "readonly", EventSource: "readonly", navigator: "readonly", localStorage: "readonly", HTMLElement: "readonly", queueMicrotask: "readonly" },
    },
  },
);
