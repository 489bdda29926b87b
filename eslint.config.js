import js from "@eslint/js";
import { defineConfig } from "eslint/config";
import tseslint from "typescript-eslint";

// Written out rather than taken from the `globals` package: one dependency fewer, and the
// lists say exactly which runtime each folder may assume.
const shared = [
  "AbortController",
  "AbortSignal",
  "Blob",
  "clearInterval",
  "clearTimeout",
  "console",
  "crypto",
  "fetch",
  "FormData",
  "Headers",
  "performance",
  "queueMicrotask",
  "Request",
  "Response",
  "setInterval",
  "setTimeout",
  "structuredClone",
  "TextDecoder",
  "TextEncoder",
  "URL",
  "URLSearchParams",
];
const nodeOnly = ["Buffer", "clearImmediate", "global", "process", "setImmediate"];
const browserOnly = ["document", "Element", "EventSource", "HTMLElement", "localStorage", "location", "navigator", "window"];
const readonly = (names) => Object.fromEntries(names.map((name) => [name, "readonly"]));

export default defineConfig(
  { ignores: ["dist/", "coverage/", "node_modules/", "demo-app/data/", "bench/results/", "__tests__/e2e/artifacts/"] },
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Template literals with numbers and unknown errors are how messages are built here.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // `_name` marks a parameter or binding that is there for its position (or to drop a key from a rest).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Stores that do their work synchronously behind a Promise-returning interface: `async` with
    // nothing to await is deliberate there, so a throw reaches the caller as a rejection, as it
    // would from a store that does I/O.
    files: ["lib/stores/memory.ts", "lib/inbox/memory.ts", "lib/inbox/sqlite.ts"],
    rules: { "@typescript-eslint/require-await": "off" },
  },
  {
    files: ["__tests__/**/*.ts"],
    rules: {
      // A wrong `!` in a test throws and fails the test, which is what the test wants; jest's expect() does not narrow.
      "@typescript-eslint/no-non-null-assertion": "off",
      // expect(stub.method).toHaveBeenCalled() passes jest mocks around unbound on purpose.
      "@typescript-eslint/unbound-method": "off",
      // supertest types a response body as `any`; the expect() on it is the check.
      "@typescript-eslint/no-unsafe-member-access": "off",
      // jest's asymmetric matchers (expect.any(), expect.objectContaining()) and JSON.parse are typed `any`; expect() checks them.
      "@typescript-eslint/no-unsafe-assignment": "off",
      // Test doubles implement Promise-returning interfaces with `async` and nothing to await.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ignores: ["demo-app/public/**"],
    languageOptions: { globals: readonly([...shared, ...nodeOnly]) },
  },
  {
    // The demo's page script runs in the browser, as a module.
    files: ["demo-app/public/**/*.js"],
    languageOptions: { sourceType: "module", globals: readonly([...shared, ...browserOnly]) },
  },
);
