import { Readable } from "node:stream";
import fc from "fast-check";
import { readBody } from "../../lib/core/request/read-body.js";
import { chunkedBytes, contentLengthFor, streamOf } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { watchProcess } from "./invariants.js";
import { codeOf, settleOrHang } from "./settle-or-hang.js";

const watch = watchProcess();
afterAll(() => {
  watch.dispose();
});

/** Whether a Content-Length alone proves the body too large (what readBody may refuse early on). */
function declaredOver(declared: string | undefined, limit: number): boolean {
  if (declared === undefined) return false;
  const length = Number(declared);
  return Number.isFinite(length) && length > limit;
}

/** A stream that yields `chunks`, then fails: destroyed quietly, or with an error. */
function failingStream(chunks: readonly Buffer[], failure: "destroy" | "error"): Readable {
  let index = 0;
  return new Readable({
    read() {
      while (index < chunks.length && chunks[index]!.length === 0) index++;
      if (index < chunks.length) this.push(chunks[index++]!);
      else if (failure === "error") this.destroy(new Error("ECONNRESET"));
      else this.destroy();
    },
  });
}

describe("readBody (fuzzed)", () => {
  test(
    "any chunking, limit and Content-Length (true, lying, missing, garbage): the exact bytes, or 413",
    () =>
      check(
        fc.asyncProperty(
          chunkedBytes(4096).chain(({ bytes, chunks }) =>
            fc.record({
              bytes: fc.constant(bytes),
              chunks: fc.constant(chunks),
              limit: fc.oneof(fc.nat({ max: 5000 }), fc.constant(bytes.length), fc.constant(Math.max(bytes.length - 1, 0))),
              declared: contentLengthFor(bytes.length),
              paused: fc.boolean(),
            }),
          ),
          async ({ bytes, chunks, limit, declared, paused }) => {
            const stream = streamOf(chunks);
            // A middleware may have paused the request: the body must still be read.
            if (paused) stream.pause();
            const outcome = await settleOrHang(readBody(stream, { limit, declaredLength: declared }), 1000);
            if (declaredOver(declared, limit)) {
              expect(codeOf(outcome)).toBe("body_too_large");
              // Refused from the header alone: not a byte was pulled from the stream.
              expect(stream.readableDidRead).toBe(false);
            } else if (bytes.length > limit) {
              expect(codeOf(outcome)).toBe("body_too_large");
              // Left paused for the HTTP layer to close: the rest is never buffered.
              expect(stream.readableFlowing).not.toBe(true);
            } else {
              expect(codeOf(outcome)).toBe("resolved");
              if (outcome.kind === "resolved") expect(Buffer.compare(outcome.value, Buffer.from(bytes))).toBe(0);
            }
            await watch.assertQuiet();
          },
        ),
        500,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a client that goes away mid-body (quietly or with an error) is request_aborted, or 413 if already over",
    () =>
      check(
        fc.asyncProperty(
          chunkedBytes(2048),
          fc.nat({ max: 3000 }),
          fc.constantFrom("destroy" as const, "error" as const),
          async ({ bytes, chunks }, limit, failure) => {
            const stream = failingStream(chunks, failure);
            // The stream's owner handles its late errors, as Node's IncomingMessage does (it only
            // emits "error" to listeners): after a 413, readBody has stopped listening.
            stream.on("error", () => {});
            const outcome = await settleOrHang(readBody(stream, { limit }), 1000);
            expect(codeOf(outcome)).toBe(bytes.length > limit ? "body_too_large" : "request_aborted");
            await watch.assertQuiet();
          },
        ),
        300,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a body that stalls (slow drip) is request_timeout once the time runs out, or 413 if already over",
    () =>
      check(
        fc.asyncProperty(
          chunkedBytes(1024),
          fc.nat({ max: 2000 }),
          fc.integer({ min: 1, max: 30 }),
          async ({ bytes, chunks }, limit, timeoutMs) => {
            let index = 0;
            // Yields its chunks, then nothing more, never ending: a client dripping a body it never finishes.
            const stream = new Readable({
              read() {
                while (index < chunks.length && chunks[index]!.length === 0) index++;
                if (index < chunks.length) this.push(chunks[index++]!);
              },
            });
            const outcome = await settleOrHang(readBody(stream, { limit, timeoutMs }), 1000);
            expect(codeOf(outcome)).toBe(bytes.length > limit ? "body_too_large" : "request_timeout");
            stream.destroy();
            await watch.assertQuiet();
          },
        ),
        100,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "a stream already read to its end gives an empty body; one already destroyed is request_aborted",
    () =>
      check(
        fc.asyncProperty(chunkedBytes(512), fc.boolean(), async ({ chunks }, destroyFirst) => {
          const stream = streamOf(chunks);
          if (destroyFirst) {
            stream.destroy();
            await new Promise((resolve) => setImmediate(resolve));
            expect(codeOf(await settleOrHang(readBody(stream, { limit: 10_000 }), 1000))).toBe("request_aborted");
          } else {
            stream.resume();
            await new Promise((resolve) => stream.once("end", resolve));
            const outcome = await settleOrHang(readBody(stream, { limit: 10_000 }), 1000);
            expect(outcome).toEqual({ kind: "resolved", value: Buffer.alloc(0) });
          }
          await watch.assertQuiet();
        }),
        100,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
