import { dispatch, TIMED_OUT, withTimeout } from "../../lib/core/dispatch.js";
import type { WebhookEventBase } from "../../lib/core/types.js";
import { deferred } from "../fixtures/test-receiver.js";

const event: WebhookEventBase = { provider: "test", name: "ping", id: "1", payload: {}, receivedAt: new Date(), known: true, meta: {} };

describe("dispatch", () => {
  test("no listeners is a success", async () => {
    await expect(dispatch(event, [])).resolves.toBeUndefined();
  });

  test("a sync throw of the only listener becomes handler_failed with the event", async () => {
    const error = await dispatch(event, [
      () => {
        throw new TypeError("t");
      },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "handler_failed", provider: "test", event });
    expect((error as { errors: unknown[] }).errors[0]).toBeInstanceOf(TypeError);
  });

  test("a non-Error rejection is kept as it is", async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error rejection is what is tested
    const error = await dispatch(event, [() => Promise.reject("plain string"), () => {}]).catch((e: unknown) => e);
    expect((error as { errors: unknown[] }).errors).toEqual(["plain string"]);
  });
});

describe("withTimeout", () => {
  test("the promise's value when it settles in time", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000)).resolves.toBe(7);
  });

  test("TIMED_OUT when it does not", async () => {
    const never = deferred();
    await expect(withTimeout(never.promise, 5)).resolves.toBe(TIMED_OUT);
  });

  test("no timeout for an infinite limit", async () => {
    await expect(withTimeout(Promise.resolve("x"), Number.POSITIVE_INFINITY)).resolves.toBe("x");
  });
});
