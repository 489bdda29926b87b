import fc from "fast-check";
import { createMisskeyReceiver } from "../../lib/providers/misskey/index.js";
import { createOneInboxReceiver } from "../../lib/providers/oneinbox/index.js";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";
import { oneInboxDelivery } from "../../lib/testing/samples/oneinbox.js";
import { unicodeString, wellFormedString } from "./arbitraries.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertDocumentedAnswer, watchProcess } from "./invariants.js";
import { PROVIDERS, recorder } from "./providers.js";

const watch = watchProcess();
afterAll(() => {
  watch.dispose();
});

/** Near misses of a secret: one character more, less or different, other case, other normal form, padding. */
function mutations(secret: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constant(`${secret}x`),
    fc.constant(secret.slice(0, -1)),
    fc.constant(`${secret.slice(1)}${secret[0]}`),
    fc.constant(secret.toUpperCase()),
    fc.constant(secret.toLowerCase()),
    fc.constant(secret.normalize("NFD")),
    fc.constant(secret.normalize("NFC")),
    fc.constant(` ${secret}`),
    fc.constant(`${secret} `),
    fc.constant(`${secret}\u0000`),
    fc
      .nat({ max: Math.max(secret.length - 1, 0) })
      .chain((at) => fc.string({ minLength: 1, maxLength: 1 }).map((char) => `${secret.slice(0, at)}${char}${secret.slice(at + 1)}`)),
  );
}

/** Configured secrets (a rotation list) and a candidate: one of them, a near miss, or anything. */
function secretsAndCandidate(secret: fc.Arbitrary<string>) {
  return fc.uniqueArray(secret, { minLength: 1, maxLength: 4 }).chain((secrets) =>
    fc.record({
      secrets: fc.constant(secrets),
      candidate: fc.oneof(fc.constantFrom(...secrets), fc.constantFrom(...secrets).chain(mutations), secret, fc.constant("")),
      // Repeated headers reach us as an array (a caller of receive()) or joined with ", " (Node).
      shape: fc.constantFrom("plain", "array-of-one", "array-with-another", "joined-with-another"),
      other: fc.constantFrom(...secrets),
    }),
  );
}

describe("authentication (fuzzed)", () => {
  test(
    "every provider and credential form: accepted iff the value sent equals one configured secret",
    () =>
      check(
        fc.asyncProperty(
          fc.constantFrom(...PROVIDERS),
          secretsAndCandidate(wellFormedString({ minLength: 1, maxLength: 40 })),
          fc.nat(),
          fc.mixedCase(fc.constant("x")),
          async (provider, { secrets, candidate, shape, other }, formIndex, caseProbe) => {
            const form = provider.credentialForms[formIndex % provider.credentialForms.length]!;
            const sent =
              shape === "plain"
                ? candidate
                : shape === "array-of-one"
                  ? [candidate]
                  : shape === "array-with-another"
                    ? [candidate, other]
                    : `${candidate}, ${other}`;
            const credential = form(sent);
            const isQuery = Object.keys(credential.query).length > 0;
            // What the receiver may compare: repeats joined as Node joins them; Bearer's value trimmed of spaces and tabs only; a query array is no token.
            const trim = (text: string): string => text.replace(/^[ \t]+|[ \t]+$/g, "");
            const joined = Array.isArray(sent) ? (isQuery ? undefined : sent.join(", ")) : sent;
            const bearer = "authorization" in credential.headers;
            const effective =
              joined === undefined
                ? undefined
                : bearer && Array.isArray(sent)
                  ? trim(
                      sent
                        .map((one) => `Bearer ${one}`)
                        .join(", ")
                        .slice(7),
                    )
                  : bearer
                    ? trim(joined)
                    : joined;
            const accepted = effective !== undefined && secrets.includes(effective);

            const record = recorder();
            const receiver = provider.create(secrets, { logger: record.logger, dedupe: false });
            record.attach(receiver);
            const delivery = fc.sample(provider.deliveries, { numRuns: 1, seed: formIndex })[0]!;
            // Header names in any case: a caller of receive() need not lower-case them.
            const headers = Object.fromEntries(
              Object.entries(credential.headers).map(([name, value]) => [caseProbe === "X" ? name.toUpperCase() : name, value]),
            );
            const answer = await receiver.receive({ ...delivery, headers: { ...delivery.headers, ...headers }, query: credential.query });
            assertDocumentedAnswer(answer);
            expect({ status: answer.status, dispatched: record.events.length }).toEqual(
              accepted ? { status: 200, dispatched: 1 } : { status: 401, dispatched: 0 },
            );
            await watch.assertQuiet();
          },
        ),
        1200,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "HTTP Basic: accepted iff both the username and the password are equal (unicode, any length)",
    () =>
      check(
        fc.asyncProperty(
          wellFormedString({ minLength: 1, maxLength: 16 }).filter((name) => !name.includes(":")),
          wellFormedString({ minLength: 1, maxLength: 24 }),
          fc.nat({ max: 4 }),
          fc.string({ maxLength: 6 }),
          async (username, password, variant, noise) => {
            const [user, pass] = [
              [username, password],
              [username, `${password}${noise}`],
              [`${noise}${username}`, password],
              [password, username],
              [username.toUpperCase(), password],
            ][variant]!;
            const record = recorder();
            const receiver = createOneInboxReceiver({ auth: { basic: { username, password } }, logger: record.logger, dedupe: false });
            record.attach(receiver);
            const delivery = oneInboxDelivery("call.ended");
            const authorization = `Basic ${Buffer.from(`${user}:${pass}`, "utf8").toString("base64")}`;
            const answer = await receiver.receive({ ...delivery, headers: { ...delivery.headers, authorization } });
            const accepted = user === username && pass === password;
            expect({ status: answer.status, dispatched: record.events.length }).toEqual(
              accepted ? { status: 200, dispatched: 1 } : { status: 401, dispatched: 0 },
            );
          },
        ),
        400,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "per-tenant rotation lists from a resolver: only that tenant's secrets pass, an unknown tenant is 401",
    () =>
      check(
        fc.asyncProperty(
          fc.dictionary(
            fc.constantFrom("a", "b", "c"),
            fc.uniqueArray(wellFormedString({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 }),
            { minKeys: 1 },
          ),
          fc.constantFrom("a", "b", "c", "d"),
          fc.constantFrom("a", "b", "c"),
          fc.nat(),
          async (lists, tenant, from, index) => {
            const pool = lists[from] ?? [];
            const candidate = pool.length > 0 ? pool[index % pool.length]! : "none";
            const receiver = createMisskeyReceiver({ secret: ({ params }) => lists[params["tenant"] ?? ""], dedupe: false });
            const record = recorder();
            record.attach(receiver);
            const delivery = misskeyDelivery("note", { secret: candidate });
            const answer = await receiver.receive({ ...delivery, params: { tenant } });
            const accepted = (lists[tenant] ?? []).includes(candidate);
            expect({ status: answer.status, dispatched: record.events.length }).toEqual(
              accepted ? { status: 200, dispatched: 1 } : { status: 401, dispatched: 0 },
            );
          },
        ),
        300,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  // Found by this suite: secrets were digested as UTF-8, which turns every lone surrogate
  // into U+FFFD, so different strings compared equal.
  test("a lone surrogate in a secret accepts no other lone surrogate (nor U+FFFD)", () =>
    check(
      fc.asyncProperty(
        fc.uniqueArray(unicodeString({ minLength: 1, maxLength: 6 }), { minLength: 2, maxLength: 2 }),
        async ([secret, candidate]) => {
          const receiver = createMisskeyReceiver({ secret: secret!, dedupe: false });
          const answer = await receiver.receive(misskeyDelivery("note", { secret: candidate! }));
          expect(answer.status).toBe(401);
        },
      ),
      2000,
    ));
});
