import { callListeners, callListenersNow } from "../../lib/core/delivery/call-listeners.js";
import { TIMED_OUT, withTimeout } from "../../lib/core/with-timeout.js";
import type { WebhookEventBase } from "../../lib/core/types.js";
import { deferred } from "../fixtures/test-receiver.js";

const event: WebhookEventBase = { provider: "test", name: "ping", id: "1", payload: {}, receivedAt: new Date(), known: true, meta: {} };

describe("callListeners", () => {
  test("no listeners is a success", async () => {
    await expect(callListeners(event, [])).resolves.toBeUndefined();
  });

  test("a sync throw of the only listener becomes handler_failed with the event", async () => {
    const error = await callListeners(event, [
      () => {
        throw new TypeError("t");
      },
    ]).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "handler_failed", provider: "test", event });
    expect((error as { errors: unknown[] }).errors[0]).toBeInstanceOf(TypeError);
  });

  test("a non-Error rejection is kept as it is", async () => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a non-Error rejection is what is tested
    const error = await callListeners(event, [() => Promise.reject("plain string"), () => {}]).catch((e: unknown) => e);
    expect((error as { errors: unknown[] }).errors).toEqual(["plain string"]);
  });
});

describe("callListenersNow", () => {
  test("listeners that return no promise have all run when it returns, and it returns nothing to wait on", () => {
    const calls: string[] = [];
    const result = callListenersNow(event, [() => calls.push("a"), () => "ignored value", () => calls.push("c")]);
    expect(result).toBeUndefined();
    expect(calls).toEqual(["a", "c"]);
  });

  test("one promise among them: a promise that settles when it does", async () => {
    const gate = deferred();
    let settled = false;
    const result = callListenersNow(event, [() => {}, () => gate.promise]);
    expect(result).toBeInstanceOf(Promise);
    void result!.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    gate.resolve();
    await result;
    expect(settled).toBe(true);
  });

  test("a thenable that is not a Promise is waited on too", async () => {
    let thenCalled = false;
    const thenable = {
      then: (onFulfilled: () => void) => {
        thenCalled = true;
        setTimeout(onFulfilled, 1);
      },
    };
    const result = callListenersNow(event, [() => thenable]);
    expect(result).toBeInstanceOf(Promise);
    await expect(result).resolves.toBeUndefined();
    expect(thenCalled).toBe(true);
  });

  test("sync throws and rejections: one handler_failed, causes in listener order, every listener called", async () => {
    const first = new Error("first");
    const second = new Error("second");
    const calls: number[] = [];
    const result = callListenersNow(event, [
      () => {
        calls.push(1);
        return Promise.reject(first);
      },
      () => {
        calls.push(2);
        throw second;
      },
      () => void calls.push(3),
    ]);
    expect(calls).toEqual([1, 2, 3]);
    const error = await result!.catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "handler_failed", message: '2 listeners failed for "ping".' });
    expect((error as { errors: unknown[] }).errors).toEqual([first, second]);
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
