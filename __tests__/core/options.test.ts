import { DEFAULT_LIMIT, resolveGenericAuthOptions, resolveHeaderSecretOptions, type HeaderSecretOptions } from "../../lib/core/options.js";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOneInboxReceiver } from "../../lib/providers/oneinbox/index.js";
import { createPokepayReceiver } from "../../lib/providers/pokepay/index.js";
import { MemoryInbox } from "../../lib/inbox/memory.js";
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

/** The message a factory throws for these options ("" if it does not throw). */
function messageOf(build: () => unknown): string {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    return (error as Error).message;
  }
  return "";
}

const ENV_HINT = " Is the environment variable you read it from set?";
const SECRET_EXPECTED = 'option "secret" must be a non-empty string, an array of them, or a function';
const MS = "a positive whole number of milliseconds";

describe("invalid options throw a TypeError naming the factory, the option, what it takes and what it got", () => {
  test.each<[string, unknown, string]>([
    ["a numeric secret", { secret: 1234 }, `${SECRET_EXPECTED}; got a number.`],
    ["an empty secret (unset variable)", { secret: "" }, `${SECRET_EXPECTED}; got an empty string.${ENV_HINT}`],
    ["an undefined secret (unset variable)", { secret: undefined }, `${SECRET_EXPECTED}; got undefined.${ENV_HINT}`],
    ["an empty secret list", { secret: [] }, `${SECRET_EXPECTED}; got an empty array.${ENV_HINT}`],
    ["an empty secret in a list", { secret: ["ok", ""] }, `option "secret[1]" must be a non-empty string; got an empty string.${ENV_HINT}`],
    [
      "an unset variable in a rotation list",
      { secret: ["ok", undefined] },
      `option "secret[1]" must be a non-empty string; got undefined.${ENV_HINT}`,
    ],
    ["a secret object", { secret: { value: "s" } }, `${SECRET_EXPECTED}; got an object with the key value.`],
    ["options that are a string", "hunter2", "the options must be an object; got a string."],
    ["an unknown key", { secret: "s", secrets: ["s"] }, 'unknown option "secrets" (did you mean "secret"?).'],
    ["a misspelled option", { secret: "s", dedup: false }, 'unknown option "dedup" (did you mean "dedupe"?).'],
    ["a wrongly cased option", { secret: "s", BodyTimeoutMs: 5 }, 'unknown option "BodyTimeoutMs" (did you mean "bodyTimeoutMs"?).'],
    ["an unknown option like none", { secret: "s", colour: "red" }, 'unknown option "colour".'],
    ...(
      [
        ["a zero limit", 0, "the number 0"],
        ["a negative limit", -1, "the number -1"],
        ["a fractional limit", 1.5, "the number 1.5"],
        ["a nonsense limit", "big", 'the string "big"'],
        ["a limit in terabytes", "1tb", 'the string "1tb"'],
      ] as const
    ).map(([what, limit, got]): [string, unknown, string] => [
      what,
      { secret: "s", limit },
      `option "limit" must be a positive whole number of bytes, or a size such as "512kb" or "1mb"; got ${got}.`,
    ]),
    ["a bad ack", { secret: "s", ack: "later" }, 'option "ack" must be "after-dispatch" or "immediate"; got the string "later".'],
    ["a zero dispatch timeout", { secret: "s", dispatchTimeoutMs: 0 }, `option "dispatchTimeoutMs" must be ${MS}; got the number 0.`],
    [
      "a dispatch timeout from an env string",
      { secret: "s", dispatchTimeoutMs: "4000" },
      `option "dispatchTimeoutMs" must be ${MS}; got the string "4000".`,
    ],
    [
      "dedupe: true",
      { secret: "s", dedupe: true },
      'option "dedupe" must be false, a store with get, set and delete, or { store, ttlMs }; got true.',
    ],
    [
      "a dedupe object that is not a store",
      { secret: "s", dedupe: { get() {} } },
      'option "dedupe" must be false, a store with get, set and delete, or { store, ttlMs }; got an object with the key get.',
    ],
    ["a dedupe ttl of 0", { secret: "s", dedupe: { ttlMs: 0 } }, `option "dedupe.ttlMs" must be ${MS}; got the number 0.`],
    [
      "a dedupe store that is not one",
      { secret: "s", dedupe: { store: { get() {} } } },
      'option "dedupe.store" must be a store with get, set and delete; got an object with the key get.',
    ],
    [
      "a logger without warn",
      { secret: "s", logger: { error() {} } },
      'option "logger" must be a logger with warn and error methods (pino, console, ...), or false to silence it; got an object with the key error.',
    ],
    [
      "logger: true",
      { secret: "s", logger: true },
      'option "logger" must be a logger with warn and error methods (pino, console, ...), or false to silence it; got true.',
    ],
    ["an unknown multipart limit", { secret: "s", multipart: { maxParts: 3 } }, 'unknown option "multipart.maxParts".'],
    [
      "a misspelt multipart limit",
      { secret: "s", multipart: { maxFile: 3 } },
      'unknown option "multipart.maxFile" (did you mean "multipart.maxFiles"?).',
    ],
    [
      "a zero multipart file size",
      { secret: "s", multipart: { maxFileSize: 0 } },
      'option "multipart.maxFileSize" must be a positive whole number of bytes; got the number 0.',
    ],
    [
      "multipart: true",
      { secret: "s", multipart: true },
      'option "multipart" must be { maxFileSize, maxFiles, maxFields, maxFieldSize }; got true.',
    ],
    ["a fractional maxFields", { secret: "s", maxFields: 2.5 }, 'option "maxFields" must be a positive whole number; got the number 2.5.'],
    ["a negative body timeout", { secret: "s", bodyTimeoutMs: -5 }, `option "bodyTimeoutMs" must be ${MS}; got the number -5.`],
    ["a zero resolver timeout", { secret: "s", resolverTimeoutMs: 0 }, `option "resolverTimeoutMs" must be ${MS}; got the number 0.`],
    [
      "hooks: a number",
      { secret: "s", hooks: 3 },
      'option "hooks" must be an object of hook functions (onRequest, onRejected, ...) or an array of them; got the number 3.',
    ],
    ["logPayloads: a string", { secret: "s", logPayloads: "yes" }, 'option "logPayloads" must be true or false; got the string "yes".'],
    [
      "inbox: {}",
      { secret: "s", inbox: {} },
      'option "inbox.store" must be an inbox store (a SqliteInbox, PostgresInbox, RedisInbox or MemoryInbox); got undefined.',
    ],
    [
      "inbox: not a store",
      { secret: "s", inbox: "./inbox.db" },
      'option "inbox" must be an inbox store, or { store, maxAttempts, leaseMs, pollIntervalMs, backoffMs, maxBackoffMs, ingestOnly }; got the string "./inbox.db".',
    ],
    [
      "a zero inbox maxAttempts",
      { secret: "s", inbox: { store: new MemoryInbox(), maxAttempts: 0 } },
      'option "inbox.maxAttempts" must be a positive whole number; got the number 0.',
    ],
    [
      "a non-boolean inbox ingestOnly",
      { secret: "s", inbox: { store: new MemoryInbox(), ingestOnly: "yes" } },
      'option "inbox.ingestOnly" must be true or false; got the string "yes".',
    ],
    [
      "queue: a URL, not a queue",
      { secret: "s", queue: "redis://127.0.0.1:6379" },
      'option "queue" must be a delivery queue with enqueue (e.g. new BullmqHandoff(queue)); got the string "redis://127.0.0.1:6379".',
    ],
    [
      "a non-boolean allowUnauthenticated",
      { allowUnauthenticated: "yes" },
      'option "allowUnauthenticated" must be true or false; got the string "yes".',
    ],
    [
      "two problems at once",
      { secret: "s", limit: 0, dedup: false },
      '2 problems with the options:\n- option "limit" must be a positive whole number of bytes, or a size such as "512kb" or "1mb"; got the number 0.\n- unknown option "dedup" (did you mean "dedupe"?).',
    ],
  ])("%s", (_what, options, message) => {
    expect(messageOf(() => misskeyWith(options))).toBe(`createMisskeyReceiver: ${message}`);
  });

  test.each<[string, unknown, string]>([
    ["auth: {}", { auth: {} }, 'option "auth" must set one of token, basic, allowIps or verify; got an empty object.'],
    [
      "a token from an unset variable",
      { auth: { token: undefined } },
      `option "auth.token" must be a non-empty string, an array of them, or a function; got undefined.${ENV_HINT}`,
    ],
    [
      "an empty token",
      { auth: { token: "" } },
      `option "auth.token" must be a non-empty string, an array of them, or a function; got an empty string.${ENV_HINT}`,
    ],
    [
      "a numeric token",
      { auth: { token: 5 } },
      'option "auth.token" must be a non-empty string, an array of them, or a function; got a number.',
    ],
    [
      "an empty token in a list",
      { auth: { token: ["a", ""] } },
      `option "auth.token[1]" must be a non-empty string; got an empty string.${ENV_HINT}`,
    ],
    ["a misspelt auth key", { auth: { tokens: "x" } }, 'unknown option "auth.tokens" (did you mean "auth.token"?).'],
    [
      "basic: a string",
      { auth: { basic: "u:p" } },
      'option "auth.basic" must be { username, password } (non-empty strings) or a function; got a string.',
    ],
    [
      "a Basic username with ':'",
      { auth: { basic: { username: "a:b", password: "p" } } },
      "option \"auth.basic.username\" must be a non-empty string without ':' (A Basic username cannot contain ':'); got a string.",
    ],
    [
      "an empty Basic password",
      { auth: { basic: { username: "u", password: "" } } },
      `option "auth.basic.password" must be a non-empty string; got an empty string.${ENV_HINT}`,
    ],
    [
      "a Basic password from an unset variable",
      { auth: { basic: { username: "u", password: undefined } } },
      `option "auth.basic.password" must be a non-empty string; got undefined.${ENV_HINT}`,
    ],
    [
      "an empty allow-list",
      { auth: { allowIps: [] } },
      'option "auth.allowIps" must be a non-empty array of IP addresses or CIDR ranges; got an empty array.',
    ],
    [
      "a numeric address",
      { auth: { allowIps: [3] } },
      'option "auth.allowIps[0]" must be an IP address or CIDR range (a string); got the number 3.',
    ],
    ["verify: a string", { auth: { verify: "yes" } }, 'option "auth.verify" must be a function; got the string "yes".'],
    ["auth: a string", { auth: "token" }, 'option "auth" must be { token }, { basic }, { allowIps } or { verify }; got a string.'],
  ])("Pokepay and OneInbox: %s", (_what, options, message) => {
    expect(messageOf(() => createPokepayReceiver(options as never))).toBe(`createPokepayReceiver: ${message}`);
    expect(messageOf(() => createOneInboxReceiver(options as never))).toBe(`createOneInboxReceiver: ${message}`);
  });

  test("a secret's value never appears in the message, whatever is wrong with it", () => {
    for (const secret of ["hunter2-very-secret", ["hunter2-very-secret", ""], { hunter2: "hunter2-very-secret" }]) {
      const message = messageOf(() => misskeyWith({ secret, limit: "nope" }));
      expect(message).toMatch(/limit/);
      expect(message).not.toContain("hunter2-very-secret");
    }
    for (const auth of [
      { token: ["hunter2-very-secret", 7] },
      { basic: { username: "hunter2-very-secret:", password: "hunter2-very-secret" } },
    ]) {
      const message = messageOf(() => createPokepayReceiver({ auth } as never));
      expect(message).toMatch(/^createPokepayReceiver: option "auth/);
      expect(message).not.toContain("hunter2-very-secret");
    }
    expect(messageOf(() => misskeyWith("hunter2-very-secret"))).not.toContain("hunter2-very-secret");
  });

  test("missing the auth choice (no secret) names the fix", () => {
    expect(() => misskeyWith({})).toThrow(TypeError);
    expect(() => misskeyWith({})).toThrow(/createMisskeyReceiver: set secret, or allowUnauthenticated: true/);
    expect(() => misskeyWith(undefined)).toThrow(/set secret/);
    expect(() => misskeyWith({ allowUnauthenticated: false })).toThrow(/set secret/);
  });

  test("a generic-auth provider refuses to start without auth", () => {
    // @ts-expect-error -- no auth is a compile error; this checks the start-up error JavaScript callers get
    expect(() => genericTestReceiver({})).toThrow(
      /createTestReceiver: set auth \(\{ token \}, \{ basic \}, \{ allowIps \} or \{ verify \}\)/,
    );
    expect(() => genericTestReceiver({ auth: {} })).toThrow(/option "auth" must set one of token, basic, allowIps or verify/);
    expect(() => genericTestReceiver({ auth: { tokens: "x" } as never })).toThrow(/tokens/);
    expect(() => genericTestReceiver({ auth: { token: "" } })).toThrow(TypeError);
    expect(() => genericTestReceiver({ auth: { basic: { username: "u", password: "" } } })).toThrow(/password/);
    expect(() => genericTestReceiver({ auth: { allowIps: [] } })).toThrow(/allowIps/);
    expect(() => genericTestReceiver({ auth: { verify: "yes" as never } })).toThrow(/verify/);
    expect(() => genericTestReceiver({ allowUnauthenticated: true })).not.toThrow();
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
    // The default logger: lines on stderr (see logging.test.ts); `false` is the way to none.
    expect(resolved.logger).toEqual({ warn: expect.any(Function), error: expect.any(Function) });
    expect(resolveHeader({ secret: "s", logger: false }).logger).toBeUndefined();
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
