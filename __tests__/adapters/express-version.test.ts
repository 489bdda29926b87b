import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

declare const EXPRESS_MAJOR: number;

// Guards the express4 Jest project: if the alias ever stopped applying, the "Express 4"
// run would silently test Express 5 again.
test("each Jest project runs against its own Express major version", () => {
  const entry = require.resolve("express");
  const manifest = JSON.parse(readFileSync(join(dirname(entry), "package.json"), "utf8")) as { version: string };
  expect(Number(manifest.version.split(".")[0])).toBe(EXPRESS_MAJOR);
});
