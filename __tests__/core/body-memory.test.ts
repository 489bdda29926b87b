import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

// Issue 12, item 4: no accepted request costs memory out of proportion to its size. Each
// case runs in a fresh child process (peak RSS only ever grows) with a 256 MB heap, and
// sends the worst authenticated bodies of at most 1 MiB through receive() with default
// options. Before the fix, one 0.3 MiB form of a[1000][1000]… keys took the child past
// its heap (a crash), and JSON of 1 MiB built ~50 MB of nested arrays.
const root = join(__dirname, "..", "..");
const run = promisify(execFile);
const MIB = 1024 * 1024;
/** The goal: at most 10× the largest body (1 MiB) per body in flight. */
const PER_BODY_KB = 10 * 1024;

interface Measured {
  name: string;
  copies: number;
  bodyBytes: number;
  beforeKb: number;
  afterKb: number;
  statuses: string[];
}

async function measure(name: string, copies: number): Promise<Measured> {
  const { stdout } = await run(
    process.execPath,
    ["--max-old-space-size=256", "-r", "./__tests__/helpers/ts-require.cjs", "__tests__/helpers/body-memory.cjs", name, String(copies)],
    { cwd: root, timeout: 120_000 },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as Measured;
}

const TIMEOUT_MS = 180_000;

describe("peak RSS per body, the worst authenticated bodies of at most 1 MiB", () => {
  test.each([
    // [case, what it must be answered]
    ["json-deep", "400 body_too_deep"],
    ["json-objects", "413 body_too_large"],
    ["json-zeros", "413 body_too_large"],
    ["json-objects-fit", "200 ok"],
    ["json-zeros-fit", "200 ok"],
    ["urlencoded-1000", "413 body_too_large"],
    ["urlencoded-20", "413 body_too_large"],
    ["urlencoded-names-1mib", "200 ok"],
    ["multipart-1000", "413 body_too_large"],
    ["multipart-names-1mib", "200 ok"],
  ])(
    "%s: %s, peak RSS up by at most 10 MiB",
    async (name, answer) => {
      const result = await measure(name, 1);
      expect(result.bodyBytes).toBeLessThanOrEqual(MIB);
      expect(result.statuses).toEqual([answer]);
      expect(result.afterKb - result.beforeKb).toBeLessThanOrEqual(PER_BODY_KB);
    },
    TIMEOUT_MS,
  );
});

describe("4 at once under --max-old-space-size=256: no crash, every one answered", () => {
  test.each(["json-zeros-fit", "json-deep", "urlencoded-1000", "urlencoded-names-1mib", "multipart-names-1mib"])(
    "%s × 4",
    async (name) => {
      // A crash (heap out of memory) rejects: execFile reports the child's abnormal exit.
      const result = await measure(name, 4);
      expect(result.statuses).toHaveLength(4);
      expect(new Set(result.statuses).size).toBe(1);
      expect(result.afterKb - result.beforeKb).toBeLessThanOrEqual(4 * PER_BODY_KB);
    },
    TIMEOUT_MS,
  );
});
