import { EventEmitter } from "node:events";
import { boundedRedisClient, settleLater, type RedisClient } from "../../lib/stores/redis.js";
import { deferred } from "../fixtures/test-receiver.js";

// The wrapper the Redis stores put around a client, against a fake client whose
// connection state the test sets: what is sent, when, and what the caller sees.
class FakeClient extends EventEmitter implements RedisClient {
  status = "ready";
  readonly sent: string[] = [];
  reply: (command: string) => Promise<unknown> = () => Promise.resolve("OK");

  call(command: string, ...args: (string | number)[]): Promise<unknown> {
    this.sent.push([command, ...args].join(" "));
    return this.reply(command);
  }

  connected(): void {
    this.status = "ready";
    this.emit("ready");
  }
}

test("a ready client: sent at once, its reply passed on", async () => {
  const fake = new FakeClient();
  expect(await boundedRedisClient(fake, 100).call("GET", "k")).toBe("OK");
  expect(fake.sent).toEqual(["GET k"]);
});

test("a reconnecting client: nothing sent, fails at the timeout, and stays unsent once the connection is back", async () => {
  const fake = new FakeClient();
  fake.status = "reconnecting";
  const client = boundedRedisClient(fake, 50);
  const started = Date.now();
  await expect(client.call("SET", "claim", "processing", "NX")).rejects.toThrow(
    "SET failed: no connection to Redis (reconnecting) within 50 ms.",
  );
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  fake.connected();
  expect(fake.sent).toEqual([]);
});

test("commands waiting for the connection share one ready listener, and are sent in order when it comes", async () => {
  const fake = new FakeClient();
  fake.status = "connecting";
  const client = boundedRedisClient(fake, 1000);
  const replies = Promise.all(["A", "B", "C"].map((key) => client.call("GET", key)));
  expect(fake.listenerCount("ready")).toBe(1);
  expect(fake.sent).toEqual([]);
  fake.connected();
  expect(await replies).toEqual(["OK", "OK", "OK"]);
  expect(fake.sent).toEqual(["GET A", "GET B", "GET C"]);
  expect(fake.listenerCount("ready")).toBe(0);
});

test("a stalled server: the command was sent, the caller is told at the timeout, a late reply is ignored", async () => {
  const fake = new FakeClient();
  const late = deferred<unknown>();
  fake.reply = () => late.promise;
  await expect(boundedRedisClient(fake, 30).call("GET", "k")).rejects.toThrow("GET failed: no reply from Redis within 30 ms.");
  late.resolve("too late");
  expect(fake.sent).toEqual(["GET k"]);
});

test("errors are passed on as Errors, whatever the client throws or rejects with", async () => {
  const fake = new FakeClient();
  fake.reply = () => Promise.reject(new Error("WRONGTYPE"));
  await expect(boundedRedisClient(fake, 100).call("GET", "k")).rejects.toThrow("WRONGTYPE");
  // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a client rejecting with a non-Error is the case under test
  fake.reply = () => Promise.reject("a string");
  await expect(boundedRedisClient(fake, 100).call("GET", "k")).rejects.toThrow("a string");
  fake.reply = () => {
    throw new Error("thrown, not rejected");
  };
  await expect(boundedRedisClient(fake, 100).call("GET", "k")).rejects.toThrow("thrown, not rejected");
  // Thrown from inside the "ready" event: the caller gets it, the emitter does not.
  fake.status = "connecting";
  const waiting = boundedRedisClient(fake, 100).call("GET", "k");
  expect(() => {
    fake.connected();
  }).not.toThrow();
  await expect(waiting).rejects.toThrow("thrown, not rejected");
});

test("a client without a status (not ioredis), a lazy one and an ended one are called straight away", async () => {
  const plain: RedisClient = { call: async (command) => `${command}!` };
  expect(await boundedRedisClient(plain, 100).call("PING")).toBe("PING!");
  for (const status of ["wait", "end"]) {
    const fake = new FakeClient();
    fake.status = status;
    await boundedRedisClient(fake, 100).call("PING");
    expect(fake.sent).toEqual(["PING"]);
  }
});

test("Infinity waits as long as the client does", async () => {
  const fake = new FakeClient();
  const slow = deferred<unknown>();
  fake.reply = () => slow.promise;
  const call = boundedRedisClient(fake, Infinity).call("GET", "k");
  setTimeout(() => {
    slow.resolve("eventually");
  }, 30);
  expect(await call).toBe("eventually");
  const write = deferred<string>();
  const settled = settleLater(write.promise, Infinity, "complete");
  write.resolve("done");
  expect(await settled).toBe("done");
});

test("settleLater: the wait is bounded, the write goes on", async () => {
  const write = deferred<string>();
  await expect(settleLater(write.promise, 20, "complete")).rejects.toThrow(
    "complete not confirmed by Redis within 20 ms; it is sent when the connection is back.",
  );
  const failing = settleLater(Promise.reject(new Error("NOSCRIPT")), 1000, "complete");
  await expect(failing).rejects.toThrow("NOSCRIPT");
  expect(await settleLater(Promise.resolve(1), 1000, "complete")).toBe(1);
});

test("the timeout must be a positive number", () => {
  const fake = new FakeClient();
  for (const bad of [0, -5, Number.NaN]) expect(() => boundedRedisClient(fake, bad)).toThrow(/commandTimeoutMs/);
});
