import { headerSecret } from "../../../lib/core/auth/header-secret.js";
import type { WebhookRequest } from "../../../lib/core/types.js";
import { bodyOf, headerTestReceiver, jsonRequest } from "../../fixtures/test-receiver.js";

/** What a promise rejected with. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

const post = (headers: WebhookRequest["headers"]): WebhookRequest => ({ method: "POST", headers });

describe("headerSecret", () => {
  const auth = headerSecret("X-Test-Secret", "s3cret");

  test("the right secret passes", async () => {
    await expect(auth.beforeBody(post({ "x-test-secret": "s3cret" }))).resolves.toBeUndefined();
  });

  test("a missing header is 401 signature_missing naming the header", async () => {
    const error = await rejectionOf(auth.beforeBody(post({})));
    expect(error).toMatchObject({ status: 401, code: "signature_missing" });
    expect((error as Error).message).toContain("X-Test-Secret");
  });

  test("an empty header is signature_missing", async () => {
    expect(await rejectionOf(auth.beforeBody(post({ "x-test-secret": "" })))).toMatchObject({ code: "signature_missing" });
  });

  test("a wrong secret is 401 signature_mismatch, and the message holds no secret", async () => {
    const error = await rejectionOf(auth.beforeBody(post({ "x-test-secret": "guess" })));
    expect(error).toMatchObject({ status: 401, code: "signature_mismatch" });
    expect((error as Error).message).not.toContain("s3cret");
    expect((error as Error).message).not.toContain("guess");
  });

  test("the header name is matched in any case", async () => {
    await expect(auth.beforeBody(post({ "X-TEST-SECRET": "s3cret" }))).resolves.toBeUndefined();
    await expect(auth.beforeBody(post({ "X-Test-Secret": "s3cret" }))).resolves.toBeUndefined();
  });

  test("rotation: every configured secret passes", async () => {
    const rotating = headerSecret("X-Test-Secret", ["old", "new"]);
    await expect(rotating.beforeBody(post({ "x-test-secret": "old" }))).resolves.toBeUndefined();
    await expect(rotating.beforeBody(post({ "x-test-secret": "new" }))).resolves.toBeUndefined();
    expect(await rejectionOf(rotating.beforeBody(post({ "x-test-secret": "older" })))).toMatchObject({ code: "signature_mismatch" });
  });

  test("a repeated header (array) does not match", async () => {
    expect(await rejectionOf(auth.beforeBody(post({ "x-test-secret": ["s3cret", "s3cret"] })))).toMatchObject({
      code: "signature_mismatch",
    });
  });
});

describe("header secret through receive()", () => {
  const receiver = headerTestReceiver({ secret: "s3cret" });
  const payload = { kind: "pong" };

  test.each(["x-test-secret", "X-Test-Secret", "X-TEST-SECRET"])("header %p is accepted", async (name) => {
    const response = await receiver.receive(jsonRequest(payload, { [name]: "s3cret" }));
    expect(response.status).toBe(200);
  });

  test("missing → 401 signature_missing", async () => {
    const response = await receiver.receive(jsonRequest(payload));
    expect(response.status).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: "signature_missing" });
  });

  test("wrong → 401 signature_mismatch, before the body is even looked at", async () => {
    const response = await receiver.receive({
      method: "POST",
      headers: { "x-test-secret": "nope", "content-type": "application/json" },
      body: "{not json",
    });
    expect(response.status).toBe(401);
    expect(bodyOf(response)).toMatchObject({ error: "signature_mismatch" });
    expect(response.body).not.toContain("s3cret");
  });

  test("allowUnauthenticated without a secret accepts anything", async () => {
    const open = headerTestReceiver({ allowUnauthenticated: true });
    expect((await open.receive(jsonRequest(payload))).status).toBe(200);
  });
});
