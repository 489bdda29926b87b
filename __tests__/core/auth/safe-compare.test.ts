import { digestSecrets, matchesSecret } from "../../../lib/core/auth/safe-compare.js";

describe("matchesSecret", () => {
  test("matches the one configured secret, and nothing else", () => {
    const secrets = digestSecrets("s3cret");
    expect(matchesSecret("s3cret", secrets)).toBe(true);
    expect(matchesSecret("s3cret ", secrets)).toBe(false);
    expect(matchesSecret("S3cret", secrets)).toBe(false);
    expect(matchesSecret("", secrets)).toBe(false);
  });

  test("rotation: any of several secrets matches, whichever position", () => {
    const secrets = digestSecrets(["old", "new", "newer"]);
    expect(matchesSecret("old", secrets)).toBe(true);
    expect(matchesSecret("new", secrets)).toBe(true);
    expect(matchesSecret("newer", secrets)).toBe(true);
    expect(matchesSecret("other", secrets)).toBe(false);
  });

  test("different lengths never throw (timingSafeEqual would on raw strings)", () => {
    const secrets = digestSecrets(["short", "a-much-longer-secret-value"]);
    expect(() => matchesSecret("x", secrets)).not.toThrow();
    expect(() => matchesSecret("x".repeat(10_000), secrets)).not.toThrow();
    expect(matchesSecret("x".repeat(10_000), secrets)).toBe(false);
    expect(matchesSecret("a-much-longer-secret-value", secrets)).toBe(true);
  });

  test("multi-byte text is compared as UTF-8", () => {
    const secrets = digestSecrets("秘密🔑");
    expect(matchesSecret("秘密🔑", secrets)).toBe(true);
    expect(matchesSecret("秘密", secrets)).toBe(false);
  });

  test("secrets are kept only as 32-byte digests", () => {
    const [digest] = digestSecrets("plain-text-secret");
    expect(digest).toHaveLength(32);
    expect(digest!.toString("latin1")).not.toContain("plain-text-secret");
  });

  test("no secrets matches nothing", () => {
    expect(matchesSecret("anything", [])).toBe(false);
  });
});
