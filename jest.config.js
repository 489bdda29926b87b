const transform = {
  "^.+\\.ts$": ["@swc/jest", { jsc: { parser: { syntax: "typescript" }, target: "es2022" }, module: { type: "commonjs" } }],
};
// Sources import "./x.js" (Node ESM style); point Jest at the .ts file.
const moduleNameMapper = { "^(\\.{1,2}/.*)\\.js$": "$1" };
// The default logger's stderr lines, dropped in tests (see the file).
const setupFiles = ["<rootDir>/__tests__/fixtures/quiet-default-logger.ts"];

/** @type {import('jest').Config} */
export default {
  projects: [
    {
      displayName: "express5",
      globals: { EXPRESS_MAJOR: 5 },
      testEnvironment: "node",
      roots: ["<rootDir>/__tests__"],
      testMatch: ["**/*.test.ts"],
      transform,
      moduleNameMapper,
      setupFiles,
      collectCoverageFrom: ["<rootDir>/lib/**/*.ts"],
    },
    {
      // The same Express-facing tests again, with Express 4 in place of 5 (peer range ^4.18 || ^5).
      displayName: "express4",
      globals: { EXPRESS_MAJOR: 4 },
      testEnvironment: "node",
      roots: ["<rootDir>/__tests__"],
      testMatch: [
        "**/adapters/**/*.test.ts",
        "**/doors/**/*.test.ts",
        "**/providers/**/*.test.ts",
        "**/core/tenants.test.ts",
        "**/core/inbox-delivery.test.ts",
      ],
      transform,
      moduleNameMapper: { ...moduleNameMapper, "^express$": "express4" },
      setupFiles,
      collectCoverageFrom: ["<rootDir>/lib/**/*.ts"],
    },
  ],
  coverageReporters: ["text-summary", "text", "lcov"],
  coverageThreshold: { global: { lines: 90 } },
};
