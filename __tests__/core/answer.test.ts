import { AnswerPolicy } from "../../lib/core/answer.js";
import { WebhookError } from "../../lib/core/errors.js";

const resending = new AnswerPolicy("test", true);
const neverResending = new AnswerPolicy("test", false);

function bodyOf(response: { body: string }): unknown {
  return JSON.parse(response.body);
}

describe("the answer policy: one table from outcome to status and body", () => {
  test.each([resending, neverResending])("a delivery taken is 200 ok, a repeat 200 duplicate, whatever the sender", (answers) => {
    expect(answers.ok()).toMatchObject({ status: 200, outcome: "ok" });
    expect(bodyOf(answers.ok())).toEqual({ ok: true });
    expect(answers.duplicate()).toMatchObject({ status: 200, outcome: "duplicate" });
    expect(bodyOf(answers.duplicate())).toEqual({ ok: true, duplicate: true });
  });

  test.each([resending, neverResending])("a request that is no delivery is refused with its own status, whatever the sender", (answers) => {
    const refused = answers.refused(new WebhookError("signature_mismatch", "no"));
    expect(refused.status).toBe(401);
    expect(bodyOf(refused)).toEqual({ error: "signature_mismatch", message: "no" });
    expect(answers.refused(new WebhookError("method_not_allowed", "GET")).headers["allow"]).toBe("POST");
    expect(answers.refused(new WebhookError("shutting_down", "bye")).headers["retry-after"]).toBe("30");
  });

  test("a failed delivery is refused where the provider resends (its resend is the retry)", () => {
    const failed = resending.failed(new WebhookError("handler_failed", "A listener failed."));
    expect(failed.status).toBe(500);
    expect(bodyOf(failed)).toEqual({ error: "handler_failed", message: "A listener failed." });
    expect(resending.failed(new WebhookError("invalid_payload", "bad")).status).toBe(400);
  });

  test("a failed delivery is acknowledged where the provider never resends, its outcome saying why", () => {
    const failed = neverResending.failed(new WebhookError("dispatch_timeout", "Too slow."));
    expect(failed).toMatchObject({ status: 200, outcome: "dispatch_timeout" });
    expect(bodyOf(failed)).toEqual({ ok: true });
  });

  test("a repeat of a delivery still running: 503 to a resending sender, 200 duplicate otherwise", () => {
    expect(resending.inProgress()).toMatchObject({ status: 503, outcome: "delivery_in_progress" });
    expect(neverResending.inProgress()).toMatchObject({ status: 200, outcome: "duplicate" });
  });
});

describe("nothing else chooses an answer", () => {
  test("only lib/core/answer.ts builds an answer (refuse() or acknowledge()); the rest asks the policy", () => {
    const { readdirSync, readFileSync } = jest.requireActual<typeof import("node:fs")>("node:fs");
    const { join, relative } = jest.requireActual<typeof import("node:path")>("node:path");
    const lib = join(__dirname, "..", "..", "lib");
    const choosing = (readdirSync(lib, { recursive: true }) as string[])
      .filter((file) => file.endsWith(".ts") && join(lib, file) !== join(lib, "core", "answer.ts"))
      .filter((file) => /(?<![.\w])(acknowledge|refuse)\(/.test(readFileSync(join(lib, file), "utf8")))
      .map((file) => relative(lib, join(lib, file)));
    // Answers outside any receiver (no receiver at a path, a door's last resort) go
    // through answerWithoutReceiver, which lives beside the policy.
    expect(choosing).toEqual([]);
  });
});
