import fc from "fast-check";
import { jobIdOfKey, keyOfJobId } from "../../lib/bullmq/index.js";

// BullMQ 6 refuses a custom id with ':' (unless it has exactly two) or one that reads as an integer.
const bullmqAccepts = (id: string): boolean => `${parseInt(id, 10)}` !== id && (!id.includes(":") || id.split(":").length === 3);

describe("job ids of delivery keys", () => {
  test("examples", () => {
    expect(jobIdOfKey("misskey:9abc")).toBe("misskey%3A9abc");
    expect(jobIdOfKey("misskey:@t=acme:9abc")).toBe("misskey%3A@t=acme%3A9abc");
    expect(jobIdOfKey("oksky:~0e3c")).toBe("oksky%3A~0e3c");
    expect(jobIdOfKey("x:50%:3A")).toBe("x%3A50%25%3A3A");
    expect(keyOfJobId("x%3A50%25%3A3A")).toBe("x:50%:3A");
  });

  test("reversible, so one-to-one; never a ':'; accepted by BullMQ for every key a receiver makes", () => {
    const provider = fc.constantFrom("misskey", "oksky", "kakao-bizmessage", "nhn-cloud", "oneinbox", "pokepay");
    const id = fc.string({ unit: fc.constantFrom("%", ":", "3", "A", "2", "5", "a", "@", "~", "0") });
    fc.assert(
      fc.property(provider, id, fc.option(id), (p, deliveryId, tenant) => {
        const key = tenant === null ? `${p}:${deliveryId}` : `${p}:@${tenant}:${deliveryId}`;
        const jobId = jobIdOfKey(key);
        expect(keyOfJobId(jobId)).toBe(key);
        expect(jobId).not.toContain(":");
        expect(bullmqAccepts(jobId)).toBe(true);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        if (a !== b) expect(jobIdOfKey(a)).not.toBe(jobIdOfKey(b));
      }),
    );
  });
});
