import { usableSecrets } from "../../../lib/core/auth/resolve-secret.js";
import { digestSecrets } from "../../../lib/core/auth/safe-compare.js";
import { tenantScope } from "../../../lib/core/auth/tenant-scope.js";
import { genericAuth } from "../../../lib/core/auth/generic-auth.js";
import { headerSecret } from "../../../lib/core/auth/header-secret.js";

describe("tenantScope", () => {
  const digests = digestSecrets(["old", "new"]);

  test("route params name the scope: sorted by name, URI-encoded, so no value can fake another param or the ':' after it", () => {
    expect(tenantScope({ tenant: "acme" }, digests)).toBe("tenant=acme");
    expect(tenantScope({ tenant: "acme", region: "eu" }, digests)).toBe("region=eu,tenant=acme");
    expect(tenantScope({ region: "eu", tenant: "acme" }, digests)).toBe("region=eu,tenant=acme");
    expect(tenantScope({ tenant: "a,region=eu" }, digests)).toBe("tenant=a%2Cregion%3Deu");
    expect(tenantScope({ tenant: "a:b" }, digests)).toBe("tenant=a%3Ab");
    expect(tenantScope({ tenant: "__proto__" }, digests)).toBe("tenant=__proto__");
    // An Express 5 wildcard (`/hooks/*path`) gives its segments as an array.
    expect(tenantScope({ path: ["acme", "misskey"] } as never, digests)).toBe("path=acme%2Fmisskey");
  });

  test("params are the scope whatever secrets were returned: rotation does not move a tenant's deliveries", () => {
    expect(tenantScope({ tenant: "acme" }, digestSecrets("old"))).toBe(tenantScope({ tenant: "acme" }, digestSecrets(["old", "new"])));
  });

  test("long params are hashed, so keys stay short", () => {
    const scope = tenantScope({ tenant: "x".repeat(500) }, digests);
    expect(scope).toMatch(/^#[0-9a-f]{32}$/);
    expect(scope).not.toBe(tenantScope({ tenant: "x".repeat(501) }, digests));
    expect(scope).not.toBe(tenantScope(undefined, digests));
  });

  test("without params: a fingerprint of the set of credentials, in any order, never the secrets themselves", () => {
    const scope = tenantScope(undefined, digests);
    expect(scope).toMatch(/^#[0-9a-f]{32}$/);
    expect(tenantScope({}, digestSecrets(["new", "old"]))).toBe(scope);
    expect(tenantScope(undefined, digestSecrets(["new", "old", "new"]))).toBe(scope);
    expect(tenantScope(undefined, digestSecrets(["old"]))).not.toBe(scope);
    expect(tenantScope(undefined, digestSecrets(["other", "new"]))).not.toBe(scope);
    for (const digest of digests) expect(scope).not.toContain(digest.toString("hex").slice(0, 32));
  });
});

describe("usableSecrets", () => {
  test.each<[unknown, string[]]>([
    ["s", ["s"]],
    ["", []],
    [
      ["a", "", "b"],
      ["a", "b"],
    ],
    [[""], []],
    [undefined, []],
    [null, []],
    [42, []],
    [Object.prototype, []],
    [Object, []],
    [Object("s"), []],
    [{ length: 1, 0: "s" }, []],
    [["s", 1, null, ["t"]], ["s"]],
  ])("%p → %p", (value, expected) => {
    expect(usableSecrets(value)).toEqual(expected);
  });
});

describe("the authenticator's scope", () => {
  test("a resolver's request gets one; fixed secrets none", async () => {
    const post = { method: "POST", headers: { "x-test-secret": "s" }, params: { tenant: "acme" } };
    expect(await headerSecret("X-Test-Secret", "s").beforeBody(post)).toBeUndefined();
    expect(await headerSecret("X-Test-Secret", () => "s").beforeBody(post)).toBe("tenant=acme");
    expect(await headerSecret("X-Test-Secret", () => ["s", "t"]).beforeBody({ ...post, params: {} })).toBe(
      tenantScope(undefined, digestSecrets(["t", "s"])),
    );
  });

  test("token and Basic resolvers too; each Basic pair is one credential of the fingerprint", async () => {
    const basic = (password: string) => ({
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`u:${password}`).toString("base64")}` },
    });
    const scopeOf = (password: string) => genericAuth({ basic: () => ({ username: "u", password }) }).beforeBody(basic(password));
    expect(await scopeOf("p")).toMatch(/^#[0-9a-f]{32}$/);
    expect(await scopeOf("p")).not.toBe(await scopeOf("q"));
    const bearer = { method: "POST", headers: { authorization: "Bearer t" }, params: { tenant: "acme" } };
    expect(await genericAuth({ token: () => "t" }).beforeBody(bearer)).toBe("tenant=acme");
    expect(await genericAuth({ token: "t" }).beforeBody(bearer)).toBeUndefined();
  });
});
