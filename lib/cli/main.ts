#!/usr/bin/env node
// The `express-webhook-receivers` command (package.json "bin"). Everything is in runCli.
import { runCli } from "./run-cli.js";

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
