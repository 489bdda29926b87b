import { PassThrough, Readable } from "node:stream";
import { readBody } from "../../lib/core/request/read-body.js";
import { settle } from "../fixtures/test-receiver.js";

const KB = 1024;

/** An endless stream of 16 KiB chunks that counts how many it was asked for. */
function endlessStream(): Readable & { pulls: number } {
  const stream = new Readable({
    highWaterMark: 16 * KB,
    read() {
      stream.pulls++;
      this.push(Buffer.alloc(16 * KB, 0x61));
    },
  }) as Readable & { pulls: number };
  stream.pulls = 0;
  return stream;
}

describe("readBody", () => {
  test("reads a body sent in several chunks", async () => {
    const stream = Readable.from([Buffer.from("hello "), Buffer.from("wor"), Buffer.from("ld")], { objectMode: false });
    await expect(readBody(stream, { limit: 100 })).resolves.toEqual(Buffer.from("hello world"));
  });

  test("a single chunk comes back as it is", async () => {
    const stream = new PassThrough();
    const promise = readBody(stream, { limit: 100 });
    stream.end(Buffer.from("one"));
    await expect(promise).resolves.toEqual(Buffer.from("one"));
  });

  test("string chunks (setEncoding) are turned back into bytes", async () => {
    const stream = new PassThrough();
    stream.setEncoding("utf8");
    const promise = readBody(stream, { limit: 100 });
    stream.end("héllo");
    await expect(promise).resolves.toEqual(Buffer.from("héllo", "utf8"));
  });

  test("an empty body is an empty buffer", async () => {
    const stream = new PassThrough();
    const promise = readBody(stream, { limit: 100 });
    stream.end();
    await expect(promise).resolves.toEqual(Buffer.alloc(0));
  });

  test("a body of exactly the limit is accepted", async () => {
    const stream = Readable.from([Buffer.alloc(60), Buffer.alloc(40)], { objectMode: false });
    await expect(readBody(stream, { limit: 100, declaredLength: "100" })).resolves.toHaveLength(100);
  });

  test("a Content-Length over the limit is refused before anything is read", async () => {
    const stream = endlessStream();
    await expect(readBody(stream, { limit: 10 * KB, declaredLength: String(2 * 1024 * KB) })).rejects.toMatchObject({
      status: 413,
      code: "body_too_large",
    });
    await settle();
    expect(stream.pulls).toBe(0);
    expect(stream.listenerCount("data")).toBe(0);
  });

  test("a non-numeric Content-Length is ignored, the limit still applies while reading", async () => {
    const stream = Readable.from([Buffer.alloc(50), Buffer.alloc(60)], { objectMode: false });
    await expect(readBody(stream, { limit: 100, declaredLength: "lots" })).rejects.toMatchObject({ code: "body_too_large" });
  });

  test("a body crossing the limit while streaming stops reading and does not buffer the rest", async () => {
    const stream = endlessStream();
    await expect(readBody(stream, { limit: 100 * KB })).rejects.toMatchObject({ status: 413, code: "body_too_large" });
    const pullsAtRefusal = stream.pulls;
    // Reading would go on forever: give it time to, and check it did not.
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(stream.pulls).toBeLessThanOrEqual(pullsAtRefusal + 1);
    expect(stream.pulls * 16 * KB).toBeLessThan(200 * KB);
    expect(stream.isPaused()).toBe(true);
    for (const event of ["data", "end", "close", "aborted"]) expect(stream.listenerCount(event)).toBe(0);
    // One listener stays on "error", so a late error of the abandoned stream cannot crash us.
    expect(stream.listenerCount("error")).toBe(1);
    stream.destroy(new Error("late error after the refusal"));
    await new Promise((resolve) => setImmediate(resolve));
  });

  test("a client that aborts mid-body is request_aborted (400)", async () => {
    const stream = new PassThrough();
    const promise = readBody(stream, { limit: 1000 });
    stream.write("partial");
    await settle();
    stream.emit("aborted");
    await expect(promise).rejects.toMatchObject({ status: 400, code: "request_aborted" });
  });

  test("a connection closed before the end is request_aborted", async () => {
    const stream = new PassThrough();
    const promise = readBody(stream, { limit: 1000 });
    stream.write("partial");
    stream.destroy();
    await expect(promise).rejects.toMatchObject({ code: "request_aborted" });
  });

  test("a stream error is request_aborted with the error as cause", async () => {
    const stream = new PassThrough();
    const promise = readBody(stream, { limit: 1000 });
    const failure = new Error("socket hang up");
    stream.destroy(failure);
    const error = await promise.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "request_aborted" });
    expect((error as Error).cause).toBe(failure);
  });

  test("an already-ended stream gives an empty body and does not hang", async () => {
    const stream = new PassThrough();
    stream.end("consumed elsewhere");
    stream.resume();
    await new Promise((resolve) => stream.once("end", resolve));
    await expect(readBody(stream, { limit: 100 })).resolves.toEqual(Buffer.alloc(0));
  });

  test("an already-destroyed stream is request_aborted and does not hang", async () => {
    const stream = new PassThrough();
    stream.write("partial");
    stream.destroy();
    await settle();
    await expect(readBody(stream, { limit: 100 })).rejects.toMatchObject({ code: "request_aborted" });
  });

  test("listeners are removed once the body is read", async () => {
    const stream = new PassThrough();
    const promise = readBody(stream, { limit: 100 });
    stream.end("x");
    await promise;
    for (const event of ["data", "end", "error", "close", "aborted"]) expect(stream.listenerCount(event)).toBe(0);
  });
});
