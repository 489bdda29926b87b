import { isWebhookError, WebhookError } from "../../lib/core/errors.js";
import { getHeader } from "../../lib/core/request/headers.js";

describe("WebhookError", () => {
  test("code, default status, name and details", () => {
    const cause = new Error("why");
    const error = new WebhookError("signature_mismatch", "nope", { provider: "misskey", cause, headers: { a: "b" } });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("WebhookError");
    expect(error.status).toBe(401);
    expect(error.code).toBe("signature_mismatch");
    expect(error.provider).toBe("misskey");
    expect(error.cause).toBe(cause);
    expect(error.headers).toEqual({ a: "b" });
    expect(new WebhookError("ip_not_allowed", "x").status).toBe(403);
    expect(new WebhookError("body_too_large", "x").status).toBe(413);
    expect(new WebhookError("handler_failed", "x", { status: 502 }).status).toBe(502);
    expect("cause" in new WebhookError("internal_error", "x")).toBe(false);
  });

  test("with() copies, keeping code and message and adding context", () => {
    const error = new WebhookError("invalid_payload", "bad", { payload: { a: 1 }, issues: [{ path: ["a"], message: "m" }] });
    const copy = error.with({ provider: "oksky" });
    expect(copy).not.toBe(error);
    expect(copy).toMatchObject({ code: "invalid_payload", message: "bad", status: 400, provider: "oksky", payload: { a: 1 } });
    expect(copy.issues).toEqual(error.issues);
    expect(isWebhookError(copy)).toBe(true);
  });

  test("isWebhookError: ours (even a copy from another module instance) and nothing else", () => {
    expect(isWebhookError(new WebhookError("internal_error", "x"))).toBe(true);
    const foreign = Object.defineProperty(new Error("x"), Symbol.for("express-webhook-receivers.WebhookError"), { value: true });
    expect(isWebhookError(foreign)).toBe(true);
    expect(isWebhookError(new Error("x"))).toBe(false);
    expect(isWebhookError({ code: "signature_mismatch", status: 401 })).toBe(false);
    expect(isWebhookError(null)).toBe(false);
    expect(isWebhookError("WebhookError")).toBe(false);
  });
});

describe("getHeader", () => {
  test("by lower-case name, falling back to any case", () => {
    expect(getHeader({ "x-a": "1" }, "x-a")).toBe("1");
    expect(getHeader({ "X-A": "1" }, "x-a")).toBe("1");
    expect(getHeader({ "X-AB": "1" }, "x-a")).toBeUndefined();
    expect(getHeader({}, "x-a")).toBeUndefined();
  });

  test("numbers become strings, arrays are joined as Node joins them", () => {
    expect(getHeader({ "content-length": 12 }, "content-length")).toBe("12");
    expect(getHeader({ "x-a": ["1", "2"] }, "x-a")).toBe("1, 2");
  });
});
