import fc from "fast-check";
import type { WebhookRequest } from "../../lib/core/types.js";
import { check, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertDocumentedAnswer, assertNoPrototypePollution, watchProcess } from "./invariants.js";
import { mutationOf, withExtraFields } from "./json-mutations.js";
import { PROVIDERS, recorder, type ProviderCase } from "./providers.js";

const watch = watchProcess();
afterAll(() => {
  watch.dispose();
});

const SECRET = "fuzz-schemas-secret";

/** A receiver that dispatches every delivery (no dedupe), with what it did recorded. */
function harness(provider: ProviderCase) {
  const record = recorder();
  const receiver = provider.create([SECRET], { logger: record.logger, dedupe: false });
  record.attach(receiver);
  const credential = provider.credentialForms[0]!(SECRET);
  return {
    record,
    send: async (request: Omit<WebhookRequest, "method">) => {
      record.reset();
      const answer = await receiver.receive({
        method: "POST",
        ...request,
        headers: { ...request.headers, ...credential.headers },
        query: credential.query,
      });
      const body = assertDocumentedAnswer(answer);
      // A known event reaches listeners only as its schema's output.
      for (const event of record.events) {
        const schema = event.known ? provider.events[event.name] : undefined;
        if (event.known) expect(schema?.safeParse(event.payload).success).toBe(true);
      }
      expect(record.events.length).toBeLessThanOrEqual(1);
      assertNoPrototypePollution();
      await watch.assertQuiet();
      return { status: answer.status, code: body["error"], events: record.events };
    },
  };
}

/** Prototype keys go before validation (documented): the oracle drops them the same way. */
function withoutPrototypeKeys(text: string): unknown {
  return JSON.parse(text, (key, value: unknown) =>
    key === "__proto__" || key === "constructor" || key === "prototype" ? undefined : value,
  );
}

/** What a provider must answer to a JSON payload, derived from its own exported schemas. */
function expectedAnswer(provider: ProviderCase, text: string): { status: number; code?: string; known?: boolean } {
  const payload = provider.normalize ? provider.normalize(withoutPrototypeKeys(text)) : withoutPrototypeKeys(text);
  const envelope = provider.envelope.safeParse(payload);
  if (!envelope.success) return { status: 400, code: "invalid_envelope" };
  const name = provider.nameOf(envelope.data as Record<string, unknown>);
  const schema = Object.hasOwn(provider.events, name) ? provider.events[name] : undefined;
  if (schema === undefined) return { status: 200, known: false };
  if (schema.safeParse(payload).success) return { status: 200, known: true };
  // A sender that never resends gets its 200 anyway; the failure goes to onError.
  return provider.resends ? { status: 400, code: "invalid_payload" } : { status: 200 };
}

/**
 * A value as another body parser may leave it in `req.body`: objects as they are, `null` too
 * (express.json({ strict: false }) of "null"; the request type has no null, JSON.parse's
 * result carries it in), anything else as the text it came from.
 */
function preParsed(value: unknown): WebhookRequest["body"] {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-return -- null on purpose, where the type has no room for it.
  if (value === null) return JSON.parse("null");
  return typeof value === "object" ? value : JSON.stringify(value ?? null);
}

const JSON_TYPES = new Set(["application/json", "application/vnd.api+json", "application/json;charset=UTF-8"]);

describe.each(PROVIDERS.map((provider) => [provider.name, provider] as const))("%s schemas (fuzzed)", (_name, provider) => {
  const { send } = harness(provider);

  test(
    "every valid sample validates and is dispatched once, as a known event",
    () =>
      check(
        fc.asyncProperty(provider.deliveries, async (delivery) => {
          const { status, events } = await send(delivery);
          expect(status).toBe(200);
          expect(events).toHaveLength(1);
          // Kakao's template updates have no schema (NHN does not document their name): onAny, unknown.
          if (Object.hasOwn(provider.events, events[0]!.name)) expect(events[0]!.known).toBe(true);
        }),
        120,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "fields a provider adds tomorrow, anywhere in a valid sample, never refuse it and stay in the payload",
    () =>
      check(
        fc.asyncProperty(
          provider.deliveries.filter(
            (delivery) =>
              JSON_TYPES.has(delivery.headers["content-type"] ?? "") &&
              typeof delivery.body === "string" &&
              !delivery.body.includes('"data":{'),
          ),
          fc.nat(),
          async (delivery, seed) => {
            const payload: unknown = JSON.parse(delivery.body.toString());
            const extended = withExtraFields(payload, seed);
            const { status, events } = await send({ ...delivery, body: JSON.stringify(extended.value) });
            expect(status).toBe(200);
            expect(JSON.stringify(events[0]!.payload)).toContain(extended.marker);
          },
        ),
        120,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "mutations of valid samples: never a throw; answered exactly as the exported schemas say",
    () =>
      check(
        fc.asyncProperty(
          provider.deliveries.filter((delivery) => JSON_TYPES.has(delivery.headers["content-type"] ?? "")),
          fc.nat(),
          async (delivery, seed) => {
            const text = JSON.stringify(mutationOf(JSON.parse(delivery.body.toString()), seed));
            const { status, code, events } = await send({ ...delivery, body: text });
            const expected = expectedAnswer(provider, text);
            expect({ status, code, known: events[0]?.known }).toEqual({
              status: expected.status,
              code: expected.code,
              known: expected.known,
            });
          },
        ),
        250,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "any JSON value, or any value handed over pre-parsed (null included), in any body format: 200, 400 or 415, never a throw",
    () =>
      check(
        fc.asyncProperty(
          fc.oneof(
            fc.jsonValue().map((value): WebhookRequest["body"] => JSON.stringify(value)),
            fc
              .anything({
                withNullPrototype: true,
                withMap: true,
                withSet: true,
                withBoxedValues: true,
                withTypedArray: true,
                withSparseArray: true,
              })
              .map(preParsed),
          ),
          fc.constantFrom("application/json", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"),
          async (body, contentType) => {
            const { status, code } = await send({ headers: { "content-type": contentType }, body });
            expect([200, 400, 415]).toContain(status);
            if (status === 400)
              expect(["malformed_body", "invalid_envelope", ...(provider.resends ? ["invalid_payload"] : [])]).toContain(code);
          },
        ),
        250,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
