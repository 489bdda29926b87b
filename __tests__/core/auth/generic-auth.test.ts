import type { VerifiableRequest } from "../../../lib/core/auth/authenticator.js";
import { genericAuth } from "../../../lib/core/auth/generic-auth.js";
import { ipAllowList } from "../../../lib/core/auth/ip-allow-list.js";
import type { WebhookRequest } from "../../../lib/core/types.js";
import { bodyOf, genericTestReceiver, jsonRequest } from "../../fixtures/test-receiver.js";

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;
const payload = { kind: "pong" };

function request(headers: Record<string, string> = {}, extra: Partial<WebhookRequest> = {}): WebhookRequest {
  return { ...jsonRequest(payload, headers), ...extra };
}

describe("token", () => {
  const receiver = genericTestReceiver({ auth: { token: "t0ken" } });

  test.each<[string, Record<string, string>, Partial<WebhookRequest>]>([
    ["Authorization: Bearer", { authorization: "Bearer t0ken" }, {}],
    ["Authorization: bearer (scheme in any case)", { Authorization: "bearer t0ken" }, {}],
    ["X-Webhook-Token", { "x-webhook-token": "t0ken" }, {}],
    ["?token=", {}, { query: { token: "t0ken" } }],
  ])("accepted from %s", async (_how, headers, extra) => {
    expect((await receiver.receive(request(headers, extra))).status).toBe(200);
  });

  test("an Authorization header without a scheme counts as no credentials", async () => {
    const response = await receiver.receive(request({ authorization: "t0ken" }));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
  });

  test("no credentials → 401 signature_missing, without a Basic challenge", async () => {
    const response = await receiver.receive(request());
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
    expect(response.headers["www-authenticate"]).toBeUndefined();
  });

  test.each<[string, Record<string, string>, Partial<WebhookRequest>]>([
    ["a wrong bearer", { authorization: "Bearer nope" }, {}],
    ["a wrong header token", { "x-webhook-token": "nope" }, {}],
    ["a wrong query token", {}, { query: { token: "nope" } }],
    ["a token under another scheme", { authorization: "Token t0ken" }, { query: { token: "nope" } }],
  ])("%s → 401 signature_mismatch", async (_how, headers, extra) => {
    const response = await receiver.receive(request(headers, extra));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_mismatch");
    expect(response.body).not.toContain("t0ken");
  });

  test("an array query value is not a token", async () => {
    const response = await receiver.receive(request({}, { query: { token: ["t0ken"] } }));
    expect(bodyOf(response)["error"]).toBe("signature_missing");
  });

  test("rotation: several tokens", async () => {
    const rotating = genericTestReceiver({ auth: { token: ["old", "new"] } });
    expect((await rotating.receive(request({ authorization: "Bearer old" }))).status).toBe(200);
    expect((await rotating.receive(request({ authorization: "Bearer new" }))).status).toBe(200);
    expect((await rotating.receive(request({ authorization: "Bearer mid" }))).status).toBe(401);
  });
});

describe("basic", () => {
  const receiver = genericTestReceiver({ auth: { basic: { username: "hook", password: "p:ss w0rd" } } });

  test("the right credentials pass (the password may hold a colon)", async () => {
    expect((await receiver.receive(request({ authorization: basic("hook", "p:ss w0rd") }))).status).toBe(200);
  });

  test("missing → 401 with a WWW-Authenticate Basic challenge", async () => {
    const response = await receiver.receive(request());
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
    expect(response.headers["www-authenticate"]).toMatch(/^Basic realm="webhooks"/);
  });

  test.each([
    ["a wrong password", basic("hook", "nope")],
    ["a wrong user", basic("root", "p:ss w0rd")],
    ["no colon", `Basic ${Buffer.from("hookp:ss").toString("base64").replace(/:/g, "")}`],
    ["malformed base64", "Basic !!!not-base64***"],
    ["an empty value", "Basic "],
  ])("%s → 401 signature_mismatch with the challenge", async (_how, authorization) => {
    const response = await receiver.receive(request({ authorization }));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_mismatch");
    expect(response.headers["www-authenticate"]).toMatch(/^Basic /);
    expect(response.body).not.toContain("w0rd");
  });
});

describe("credentials: any one given passes", () => {
  const receiver = genericTestReceiver({ auth: { token: "t0ken", basic: { username: "u", password: "p" } } });

  test("token or basic", async () => {
    expect((await receiver.receive(request({ authorization: "Bearer t0ken" }))).status).toBe(200);
    expect((await receiver.receive(request({ authorization: basic("u", "p") }))).status).toBe(200);
    // A wrong Basic does not spoil a right header token.
    expect(await receiver.receive(request({ authorization: basic("u", "x"), "x-webhook-token": "t0ken" }))).toMatchObject({ status: 200 });
    expect((await receiver.receive(request({ authorization: basic("u", "x") }))).status).toBe(401);
  });
});

describe("allowIps", () => {
  const receiver = genericTestReceiver({ auth: { allowIps: ["203.0.113.0/24", "198.51.100.7", "2001:db8::/32", "::1"] } });
  const from = (remoteAddress: string | undefined): WebhookRequest => request({}, { remoteAddress });

  test.each([
    "203.0.113.1",
    "203.0.113.254",
    "198.51.100.7",
    "::ffff:203.0.113.9",
    "::FFFF:198.51.100.7",
    "2001:db8::1",
    "2001:db8:ffff::42",
    "::1",
  ])("%s is allowed", async (address) => {
    expect((await receiver.receive(from(address))).status).toBe(200);
  });

  test.each(["203.0.114.1", "198.51.100.8", "::ffff:198.51.100.8", "2001:db9::1", "127.0.0.1", "not-an-ip", "", undefined])(
    "%p → 403 ip_not_allowed",
    async (address) => {
      const response = await receiver.receive(from(address));
      expect(response.status).toBe(403);
      expect(bodyOf(response)["error"]).toBe("ip_not_allowed");
    },
  );

  test("an IPv4-mapped entry matches the plain IPv4 address", () => {
    const allowed = ipAllowList(["::ffff:192.0.2.1"]);
    expect(allowed("192.0.2.1")).toBe(true);
    expect(allowed("::ffff:192.0.2.1")).toBe(true);
    expect(allowed("192.0.2.2")).toBe(false);
  });

  test.each(["nope", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/abc", "10.0.0.0/", "10.0.0.0/-1", "300.0.0.1", "10.0.0/8"])(
    "invalid entry %p throws at construction",
    (entry) => {
      expect(() => ipAllowList([entry])).toThrow(TypeError);
      expect(() => genericAuth({ allowIps: [entry] })).toThrow(entry);
      expect(() => genericTestReceiver({ auth: { allowIps: ["10.0.0.1", entry] } })).toThrow(/createTestReceiver: allowIps/);
    },
  );

  test("entries are trimmed", () => {
    expect(ipAllowList([" 10.0.0.0/8 "])("10.1.2.3")).toBe(true);
  });
});

describe("credentials OR, allowIps AND", () => {
  const receiver = genericTestReceiver({ auth: { token: "t0ken", allowIps: ["203.0.113.0/24"] } });

  test("the right token from an allowed address passes", async () => {
    expect((await receiver.receive(request({ authorization: "Bearer t0ken" }, { remoteAddress: "203.0.113.5" }))).status).toBe(200);
  });

  test("the right token from another address is 403", async () => {
    const response = await receiver.receive(request({ authorization: "Bearer t0ken" }, { remoteAddress: "192.0.2.1" }));
    expect(response.status).toBe(403);
  });

  test("an allowed address without the token is 401", async () => {
    const response = await receiver.receive(request({}, { remoteAddress: "203.0.113.5" }));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
  });
});

describe("verify", () => {
  test("true passes; it sees method, headers, query, address and the raw body", async () => {
    const seen: VerifiableRequest[] = [];
    const receiver = genericTestReceiver({
      auth: {
        verify: (req) => {
          seen.push(req);
          return true;
        },
      },
    });
    const response = await receiver.receive(request({ "x-sig": "abc" }, { query: { a: "1" }, remoteAddress: "192.0.2.3" }));
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req!.method).toBe("POST");
    expect(req!.headers["x-sig"]).toBe("abc");
    expect(req!.query).toEqual({ a: "1" });
    expect(req!.remoteAddress).toBe("192.0.2.3");
    expect(Buffer.isBuffer(req!.rawBody)).toBe(true);
    expect(req!.rawBody!.toString()).toBe(JSON.stringify(payload));
  });

  test("an async verify is awaited", async () => {
    const receiver = genericTestReceiver({ auth: { verify: async (req) => req.rawBody?.toString().includes("pong") === true } });
    expect((await receiver.receive(request())).status).toBe(200);
    expect((await receiver.receive(jsonRequest({ kind: "ping", n: 1 }))).status).toBe(401);
  });

  test("the query defaults to an empty object", async () => {
    let query: unknown;
    const receiver = genericTestReceiver({ auth: { verify: (req) => ((query = req.query), true) } });
    await receiver.receive(request());
    expect(query).toEqual({});
  });

  test("false → 401 verification_failed", async () => {
    const receiver = genericTestReceiver({ auth: { verify: () => false } });
    const response = await receiver.receive(request());
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("verification_failed");
  });

  test("a truthy non-boolean is not a pass", async () => {
    const receiver = genericTestReceiver({ auth: { verify: (() => "yes") as unknown as () => boolean } });
    expect((await receiver.receive(request())).status).toBe(401);
  });

  test("a throw → 503 auth_unavailable with the cause, and the listener does not run", async () => {
    const failure = new Error("key server down");
    const errors: unknown[] = [];
    const listener = jest.fn();
    const receiver = genericTestReceiver({
      auth: {
        verify: () => {
          throw failure;
        },
      },
    })
      .onAny(listener)
      .onError((e) => errors.push(e));
    const response = await receiver.receive(request());
    expect(response.status).toBe(503);
    expect(bodyOf(response)["error"]).toBe("auth_unavailable");
    expect(response.body).not.toContain("key server down");
    expect(listener).not.toHaveBeenCalled();
    expect((errors[0] as Error).cause).toBe(failure);
  });

  test("verify runs after the address and credential checks", async () => {
    const verify = jest.fn(() => true);
    const receiver = genericTestReceiver({ auth: { token: "t", allowIps: ["192.0.2.1"], verify } });
    await receiver.receive(request({ authorization: "Bearer t" }, { remoteAddress: "192.0.2.2" }));
    await receiver.receive(request({ authorization: "Bearer x" }, { remoteAddress: "192.0.2.1" }));
    expect(verify).not.toHaveBeenCalled();
    expect((await receiver.receive(request({ authorization: "Bearer t" }, { remoteAddress: "192.0.2.1" }))).status).toBe(200);
    expect(verify).toHaveBeenCalledTimes(1);
  });

  test("a body parsed elsewhere reaches verify with no rawBody", async () => {
    let raw: unknown = "unset";
    const receiver = genericTestReceiver({ auth: { verify: (req) => ((raw = req.rawBody), true) } });
    const response = await receiver.receive({ method: "POST", headers: { "content-type": "application/json" }, body: { kind: "pong" } });
    expect(response.status).toBe(200);
    expect(raw).toBeUndefined();
  });
});

describe("Authorization edge cases", () => {
  test("a header with no space is no credential", async () => {
    const receiver = genericTestReceiver({ auth: { token: "t0ken" } });
    const response = await receiver.receive(request({ authorization: "Bearer" }));
    expect(bodyOf(response)["error"]).toBe("signature_missing");
  });
});
