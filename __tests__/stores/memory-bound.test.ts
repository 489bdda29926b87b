import { spawnSync } from "node:child_process";
import { join } from "node:path";

// The dedupe window held in memory stays small whatever senders put in their delivery
// ids: 3,000 distinct 64 KiB ids (192 MiB of ids, all under the default 10,000 entries)
// through the deduper over the default MemoryStore, in a process whose heap is capped at
// 64 MiB. Before ids were bounded, every id was kept whole: the process ran out of heap.
const CHILD = `
const { randomBytes } = require("node:crypto");
const { createDeduper } = require(process.env.DEDUPER_SOURCE);
const { MemoryStore } = require(process.env.MEMORY_SOURCE);
const store = new MemoryStore();
const deduper = createDeduper(store, "misskey", 24 * 60 * 60 * 1000, () => {});
(async () => {
  for (let i = 0; i < 3000; i++) {
    const id = randomBytes(48 * 1024).toString("base64");
    if ((await deduper.claim(id)) !== "new") throw new Error("not new");
    await deduper.complete(id);
    if ((await deduper.claim(id)) !== "done") throw new Error("not done");
  }
  globalThis.gc();
  process.stdout.write(JSON.stringify({ heapUsed: process.memoryUsage().heapUsed, size: store.size, bytes: store.bytes }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
`;

test("3,000 ids of 64 KiB each: the process stays within a 64 MiB heap, the store within a few hundred bytes per id", () => {
  const root = join(__dirname, "..", "..");
  const result = spawnSync(
    process.execPath,
    ["--max-old-space-size=64", "--expose-gc", "-r", join(root, "__tests__", "helpers", "ts-require.cjs"), "-e", CHILD],
    {
      env: {
        ...process.env,
        DEDUPER_SOURCE: join(root, "lib", "core", "delivery", "create-deduper.ts"),
        MEMORY_SOURCE: join(root, "lib", "stores", "memory.ts"),
      },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  expect(result.stderr).not.toMatch(/heap out of memory/i);
  expect(result.status).toBe(0);
  const { heapUsed, size, bytes } = JSON.parse(result.stdout) as { heapUsed: number; size: number; bytes: number };
  expect(size).toBe(3000);
  expect(bytes / size).toBeLessThan(500);
  // Generous: the ids alone would be 192 MiB.
  expect(heapUsed).toBeLessThan(48 * 1024 * 1024);
}, 90_000);
