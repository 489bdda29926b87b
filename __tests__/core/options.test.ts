import { DEFAULT_LIMIT, resolveGenericAuthOptions, resolveHeaderSecretOptions, type HeaderSecretOptions } from "../../lib/core/options.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createPokepayReceiver } from "../../lib/providers/pokepay/index.js";
import { MemoryStore } from "../../lib/stores/memory.js";
import type { DedupeStore } from "../../lib/stores/types.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { genericTestReceiver } from "../fixtures/test-receiver.js";

const defaults = { dedupeByDefault: true, dispatchTimeoutMs: 4000 };
const resolveHeader = (options: HeaderSecretOptions) => resolveHeaderSecretOptions(options, "X-Secret", defaults, "createXReceiver");

/** Builds a Misskey receiver from options a user could get wrong (typed loosely on purpose). */
function misskeyWith(options: unknown): unknown {
  return createMisskeyReceiver(options as HeaderSecretOptions);
}

describe("invalid options throw a TypeError at construction", () => {
  test.each<[string, unknown, RegExp]>([
    ["an unknown key", { secret: "s", secrets: ["s"] }, /secrets/],
    ["a misspelled option", { secret: "s", dedup: false }, /dedup/],
    ["a zero limit", { secret: "s", limit: 0 }, /limit/],
    ["a negative limit", { secret: "s", limit: -1 }, /limit/],
    ["a fractional limit", { secret: "s", limit: 1.5 }, /limit/],
    ["a nonsense limit", { secret: "s", limit: "big" }, /limit/],
    ["a limit in terabytes", { secret: "s", limit: "1tb" }, /limit/],
    ["a bad ack", { secret: "s", ack: "later" }, /ack/],
    ["an empty secret", { secret: "" }, /secret/],
    ["an empty secret in a list", { secret: ["ok", ""] }, /secret/],
    ["an empty secret list", { secret: [] }, /secret/],
    ["a numeric secret", { secret: 1234 }, /secret/],
    ["a zero dispatch timeout", { secret: "s", dispatchTimeoutMs: 0 }, /dispatchTimeoutMs/],
    ["dedupe: true", { secret: "s", dedupe: true }, /dedupe/],
    ["a dedupe object that is not a store", { secret: "s", dedupe: { get() {} } }, /dedupe/],
    ["a dedupe ttl of 0", { secret: "s", dedupe: { ttlMs: 0 } }, /dedupe/],
    ["a logger without warn", { secret: "s", logger: { error() {} } }, /logger/],
    ["an unknown multipart limit", { secret: "s", multipart: { maxParts: 3 } }, /maxParts/],
    ["a non-boolean allowUnauthenticated", { allowUnauthenticated: "yes" }, /allowUnauthenticated/],
  ])("%s", (_what, options, mention) => {
    expect(() => misskeyWith(options)).toThrow(TypeError);
    expect(() => misskeyWith(options)).toThrow(/^createMisskeyReceiver: invalid options/);
    expect(() => misskeyWith(options)).toThrow(mention);
  });

  test("missing the auth choice (no secret) names the fix", () => {
    expect(() => misskeyWith({})).toThrow(TypeError);
    expect(() => misskeyWith({})).toThrow(/createMisskeyReceiver: set secret, or allowUnauthenticated: true/);
    expect(() => misskeyWith(undefined)).toThrow(/set secret/);
    expect(() => misskeyWith({ allowUnauthenticated: false })).toThrow(/set secret/);
  });

  test("a generic-auth provider refuses to start without auth", () => {
    expect(() => genericTestReceiver({})).toThrow(
      /createTestReceiver: set auth \(\{ token \}, \{ basic \}, \{ allowIps \} or \{ verify \}\)/,
    );
    expect(() => genericTestReceiver({ auth: {} })).toThrow(/auth needs token, basic, allowIps or verify/);
    expect(() => genericTestReceiver({ auth: { tokens: "x" } as never })).toThrow(/tokens/);
    expect(() => genericTestReceiver({ auth: { token: "" } })).toThrow(TypeError);
    expect(() => genericTestReceiver({ auth: { basic: { username: "u", password: "" } } })).toThrow(/password/);
    expect(() => genericTestReceiver({ auth: { allowIps: [] } })).toThrow(/allowIps/);
    expect(() => genericTestReceiver({ auth: { verify: "yes" as never } })).toThrow(/verify/);
    expect(() => genericTestReceiver({ allowUnauthenticated: true })).not.toThrow();
  });

  test("the message never holds a secret given elsewhere in the options", () => {
    let message = "";
    try {
      misskeyWith({ secret: "hunter2-very-secret", limit: "nope" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/limit/);
    expect(message).not.toContain("hunter2-very-secret");
  });
});

describe("defaults and accepted forms", () => {
  test("the defaults", () => {
    const resolved = resolveHeader({ secret: "s" });
    expect(resolved.limit).toBe(DEFAULT_LIMIT);
    expect(DEFAULT_LIMIT).toBe(1024 * 1024);
    expect(resolved.ack).toBe("after-dispatch");
    expect(resolved.dispatchTimeoutMs).toBe(4000);
    expect(resolved.maxFields).toBe(1000);
    expect(resolved.multipart).toEqual({ maxFileSize: DEFAULT_LIMIT, maxFiles: 10, maxFields: 1000, maxFieldSize: DEFAULT_LIMIT });
    expect(resolved.dedupe?.store).toBeInstanceOf(MemoryStore);
    expect(resolved.dedupe?.ttlMs).toBe(24 * 60 * 60 * 1000);
    expect(resolved.logger).toBeUndefined();
  });

  test.each<[number | string, number]>([
    ["512kb", 512 * 1024],
    ["2mb", 2 * 1024 * 1024],
    [" 1 MB ", 1024 * 1024],
    [4096, 4096],
  ])("limit %p → %p bytes, which also bounds multipart parts", (limit, bytes) => {
    const resolved = resolveHeader({ secret: "s", limit });
    expect(resolved.limit).toBe(bytes);
    expect(resolved.multipart.maxFileSize).toBe(bytes);
  });

  test("multipart limits and maxFields are taken as given", () => {
    const resolved = resolveHeader({ secret: "s", maxFields: 5, multipart: { maxFiles: 1 } });
    expect(resolved.maxFields).toBe(5);
    expect(resolved.multipart).toMatchObject({ maxFiles: 1, maxFields: 5 });
  });

  test("dedupe: false turns it off, even where the provider dedupes by default", () => {
    expect(resolveHeader({ secret: "s", dedupe: false }).dedupe).toBeUndefined();
  });

  test("dedupe is off by default where the provider says so", () => {
    expect(resolveHeaderSecretOptions({ secret: "s" }, "X", { dedupeByDefault: false, dispatchTimeoutMs: 1 }, "f").dedupe).toBeUndefined();
  });

  test("dedupe: a store is used as it is, with a day's TTL", () => {
    const store = new MemoryStore();
    const resolved = resolveHeader({ secret: "s", dedupe: store });
    expect(resolved.dedupe?.store).toBe(store);
    expect(resolved.dedupe?.ttlMs).toBe(24 * 60 * 60 * 1000);
  });

  test("dedupe: any object with get, set and delete is a store", () => {
    const store: DedupeStore = { get: async () => undefined, set: async () => true, delete: async () => {} };
    expect(resolveHeader({ secret: "s", dedupe: store }).dedupe?.store).toBe(store);
  });

  test("dedupe: { store, ttlMs } and { ttlMs } alone", () => {
    const store = new MemoryStore();
    expect(resolveHeader({ secret: "s", dedupe: { store, ttlMs: 60_000 } }).dedupe).toEqual({ store, ttlMs: 60_000 });
    const ttlOnly = resolveHeader({ secret: "s", dedupe: { ttlMs: 1000 } }).dedupe;
    expect(ttlOnly?.store).toBeInstanceOf(MemoryStore);
    expect(ttlOnly?.ttlMs).toBe(1000);
  });

  test("ack, dispatchTimeoutMs and logger", () => {
    const logger = { warn() {}, error() {} };
    const resolved = resolveHeader({ secret: "s", ack: "immediate", dispatchTimeoutMs: 50, logger });
    expect(resolved).toMatchObject({ ack: "immediate", dispatchTimeoutMs: 50 });
    expect(resolved.logger).toBe(logger);
  });

  test("the options object is not mutated and functions survive validation", async () => {
    const verify = jest.fn(() => true);
    const options = { auth: { verify } };
    const resolved = resolveGenericAuthOptions(options, defaults, "f");
    expect(options).toEqual({ auth: { verify } });
    await resolved.authenticator.afterBody?.({ method: "POST", headers: {}, query: {}, remoteAddress: undefined, rawBody: undefined });
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe("options take effect", () => {
  test('a "512kb" limit refuses a larger body with 413', async () => {
    const receiver = createMisskeyReceiver({ secret: "s", limit: "512kb" });
    const delivery = misskeyDelivery("note", { secret: "s", overrides: { body: { note: { text: "x".repeat(600 * 1024) } } } });
    expect((await receiver.receive(delivery)).status).toBe(413);
    const small = misskeyDelivery("note", { secret: "s", overrides: { body: { note: { text: "x".repeat(400 * 1024) } } } });
    expect((await receiver.receive(small)).status).toBe(200);
  });

  test("with dedupe: false, a repeat is dispatched again", async () => {
    const receiver = createMisskeyReceiver({ secret: "s", dedupe: false });
    const listener = jest.fn();
    receiver.on("note", listener);
    const delivery = misskeyDelivery("note", { secret: "s" });
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true}');
    expect((await receiver.receive(delivery)).body).toBe('{"ok":true}');
    expect(listener).toHaveBeenCalledTimes(2);
  });

  test("with a shared store, two receivers dedupe each other's deliveries", async () => {
    const store = new MemoryStore();
    const first = createMisskeyReceiver({ secret: "s", dedupe: store });
    const second = createMisskeyReceiver({ secret: "s", dedupe: { store, ttlMs: 60_000 } });
    const listener = jest.fn();
    first.on("note", listener);
    second.on("note", listener);
    const delivery = misskeyDelivery("note", { secret: "s" });
    expect((await first.receive(delivery)).body).toBe('{"ok":true}');
    expect((await second.receive(delivery)).body).toBe('{"ok":true,"duplicate":true}');
    expect(listener).toHaveBeenCalledTimes(1);
    expect(store.size).toBe(1);
  });
});

test("a Basic username containing ':' is refused at construction (it could never match)", () => {
  expect(() => createPokepayReceiver({ auth: { basic: { username: "a:b", password: "p" } } })).toThrow(/cannot contain ':'/);
});

describe("maxDepth", () => {
  test("defaults to 64; taken as given; must be a positive integer", () => {
    expect(resolveHeader({ secret: "s" }).maxDepth).toBe(64);
    expect(resolveHeader({ secret: "s", maxDepth: 8 }).maxDepth).toBe(8);
    expect(() => resolveHeader({ secret: "s", maxDepth: 0 })).toThrow(TypeError);
    expect(() => resolveHeader({ secret: "s", maxDepth: 1.5 })).toThrow(TypeError);
  });
});
