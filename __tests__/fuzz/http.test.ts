import type { Server } from "node:http";
import express from "express";
import fc from "fast-check";
import request from "supertest";
import type { WebhookResponse } from "../../lib/core/types.js";
import { chunkingOf, distinctiveSecret } from "./arbitraries.js";
import { check, FUZZ_SEED, PROPERTY_TIMEOUT_MS } from "./fuzz-settings.js";
import { assertDocumentedAnswer, assertNoPrototypePollution, assertNoSecret, textOf, watchProcess } from "./invariants.js";
import { mutationOf } from "./json-mutations.js";
import { FUZZ_LIMIT } from "./pipeline-requests.js";
import { PROVIDERS, recorder, type ProviderCase, type Recorder } from "./providers.js";
import { chunkedBody, rawExchange, requestHead } from "./raw-http.js";

const watch = watchProcess();

interface Mounted {
  provider: ProviderCase;
  secrets: string[];
  record: Recorder;
}

/** Every provider mounted at /hooks/<name>, each with two ASCII secrets (a rotation) and a recorder. */
function mountAll(app: express.Express, limit: number): Mounted[] {
  return PROVIDERS.map((provider, index) => {
    const secrets = fc.sample(distinctiveSecret(true), { seed: FUZZ_SEED + index, numRuns: 2 });
    const record = recorder();
    const receiver = provider.create(secrets, { logger: record.logger, limit });
    record.attach(receiver);
    app.use(`/hooks/${provider.name}`, receiver.router);
    return { provider, secrets, record };
  });
}

const plainApp = express();
const mounted = mountAll(plainApp, FUZZ_LIMIT);
// A global body parser before the routers (the README's first pitfall): bodies arrive parsed.
const parsedApp = express();
// strict: false hands over `null`, numbers and strings too, as some apps configure it.
parsedApp.use(express.json({ limit: "1mb", strict: false }));
const mountedParsed = mountAll(parsedApp, FUZZ_LIMIT);

function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => {
      resolve(server);
    });
  });
}

let plain: Server;
let parsed: Server;
let port = 0;

beforeAll(async () => {
  plain = await listen(plainApp);
  parsed = await listen(parsedApp);
  const address = plain.address();
  port = typeof address === "object" && address !== null ? address.port : 0;
});

afterAll(async () => {
  for (const server of [plain, parsed]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  watch.dispose();
});

/** Where the credential goes on the wire, and how Node reads repeats of it. */
type Placement = "header" | "authorization" | "x-webhook-token" | "query";

function placementsOf(provider: ProviderCase): Placement[] {
  return provider.credentialForms.length > 1 ? ["authorization", "x-webhook-token", "query"] : ["header"];
}

function headerNameOf(provider: ProviderCase, placement: Placement): string {
  if (placement === "header") return Object.keys(provider.credentialForms[0]!("x").headers)[0]!;
  return placement;
}

/** What the server sees of repeated values: Node keeps the first Authorization, joins other repeats with ", ", trims spaces. */
function effectiveValue(placement: Placement, values: readonly string[]): string | undefined {
  if (values.length === 0) return undefined;
  if (placement === "query") return values.length === 1 ? values[0] : undefined;
  if (placement === "authorization") return values[0]!.trim();
  return values.map((value) => value.trim()).join(", ");
}

/** Printable ASCII, as a header value must be. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)), maxLength: 30 });

function casing(name: string, style: number): string {
  return style === 0 ? name : style === 1 ? name.toUpperCase() : name.replace(/(^|-)([a-z])/g, (match) => match.toUpperCase());
}

function checkAnswer(answer: Pick<WebhookResponse, "status" | "headers" | "body">, mount: Mounted): void {
  assertDocumentedAnswer(answer);
  assertNoSecret(textOf(answer), mount.secrets, "an HTTP answer");
  assertNoSecret(textOf(mount.record.logged), mount.secrets, "a logged argument");
}

describe("over HTTP, through Express (fuzzed)", () => {
  test(
    "raw requests: lying Content-Length, chunked framing, repeated and re-cased headers, any method: documented answers, no event without a right secret or a whole body",
    () =>
      check(
        fc.asyncProperty(
          fc.nat({ max: mounted.length - 1 }).chain((index) => {
            const mount = mounted[index]!;
            return fc.record({
              index: fc.constant(index),
              delivery: mount.provider.deliveries,
              placement: fc.constantFrom(...placementsOf(mount.provider)),
              values: fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom(...mount.secrets).map((secret) => [secret]) },
                {
                  weight: 2,
                  arbitrary: fc.array(
                    fc.oneof(
                      fc.constantFrom(...mount.secrets),
                      fc.constantFrom(...mount.secrets).map((secret) => ` ${secret}x`),
                      headerText,
                    ),
                    { maxLength: 2 },
                  ),
                },
              ),
              nameCase: fc.nat({ max: 2 }),
              method: fc.oneof({ weight: 8, arbitrary: fc.constant("POST") }, fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS")),
              framing: fc.oneof(
                fc.constant({ kind: "exact" as const, by: 0 }),
                fc.integer({ min: 1, max: 40 }).map((by) => ({ kind: "smaller" as const, by })),
                fc.integer({ min: 1, max: 40 }).map((by) => ({ kind: "larger" as const, by })),
                fc.constant({ kind: "chunked" as const, by: 0 }),
              ),
              mutate: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() }),
              seed: fc.nat(),
            });
          }),
          async ({ index, delivery, placement, values, nameCase, method, framing, mutate, seed }) => {
            const mount = mounted[index]!;
            mount.record.reset();
            let body = Buffer.from(delivery.body);
            if (mutate !== null && String(delivery.headers["content-type"]).includes("json"))
              body = Buffer.from(JSON.stringify(mutationOf(JSON.parse(body.toString()), mutate)));
            const credentialName = headerNameOf(mount.provider, placement);
            const scheme = placement === "authorization" ? "Bearer " : "";
            const headers: [string, string][] = Object.entries(delivery.headers).map(([name, value]) => [casing(name, nameCase), value]);
            if (placement !== "query") for (const value of values) headers.push([casing(credentialName, nameCase), `${scheme}${value}`]);
            const query = placement === "query" ? values.map((value) => `token=${encodeURIComponent(value)}`).join("&") : "";
            if (framing.kind === "chunked") headers.push(["Transfer-Encoding", "chunked"]);
            else
              headers.push([
                "Content-Length",
                String(
                  framing.kind === "smaller"
                    ? Math.max(body.length - framing.by, 0)
                    : framing.kind === "larger"
                      ? body.length + framing.by
                      : body.length,
                ),
              ]);
            const payload = framing.kind === "chunked" ? chunkedBody(fc.sample(chunkingOf(body), { seed, numRuns: 1 })[0]!) : body;
            const head = requestHead(`/hooks/${mount.provider.name}${query ? `?${query}` : ""}`, headers)
              .toString("latin1")
              .replace(/^POST /, `${method} `);
            const wire = Buffer.concat([Buffer.from(head, "latin1"), payload]);

            const answer = await rawExchange(port, fc.sample(chunkingOf(wire), { seed, numRuns: 1 })[0]!);
            await watch.assertQuiet();
            const effective = effectiveValue(placement, values);
            const authentic = effective !== undefined && mount.secrets.includes(effective);
            // Node's own bare 400 (no body) answers broken framing before our answer can: bytes past a
            // short Content-Length (a next request it cannot parse), or the end of a body cut short.
            const nodeRefusal = answer !== undefined && answer.status === 400 && answer.headers["content-type"] === undefined;
            if (answer === undefined) {
              // Only a body that never came whole may go unanswered: the client left mid-body.
              expect(framing.kind).toBe("larger");
            } else if (nodeRefusal) {
              expect(["smaller", "larger"]).toContain(framing.kind);
            } else {
              checkAnswer(answer, mount);
              if (method !== "POST") expect(answer.status).toBe(405);
              else if (!authentic) expect(answer.status).toBe(401);
            }
            if (!authentic || framing.kind === "larger" || method !== "POST") expect(mount.record.events).toHaveLength(0);
            assertNoPrototypePollution();
          },
        ),
        300,
      ),
    PROPERTY_TIMEOUT_MS,
  );

  test(
    "behind a global express.json(): any JSON body, right or wrong secret, duplicate credential headers (supertest)",
    () =>
      check(
        fc.asyncProperty(
          fc.nat({ max: mountedParsed.length - 1 }).chain((index) => {
            const mount = mountedParsed[index]!;
            return fc.record({
              index: fc.constant(index),
              delivery: mount.provider.deliveries.filter((delivery) => String(delivery.headers["content-type"]).includes("json")),
              values: fc.oneof(
                { weight: 3, arbitrary: fc.constantFrom(...mount.secrets).map((secret) => [secret]) },
                { weight: 2, arbitrary: fc.array(fc.oneof(fc.constantFrom(...mount.secrets), headerText), { maxLength: 2 }) },
              ),
              body: fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 3 }), fc.nat()),
            });
          }),
          async ({ index, delivery, values, body }) => {
            const mount = mountedParsed[index]!;
            mount.record.reset();
            const placement = placementsOf(mount.provider)[0]!;
            const name = headerNameOf(mount.provider, placement);
            const scheme = placement === "authorization" ? "Bearer " : "";
            let payload: unknown = JSON.parse(String(delivery.body));
            if (typeof body === "number") payload = mutationOf(payload, body);
            else if (body !== undefined) payload = body;
            let test = request(parsed).post(`/hooks/${mount.provider.name}`).set("content-type", "application/json");
            if (values.length === 1) test = test.set(name, `${scheme}${values[0]}`);
            // Repeated header lines, as a proxy or a confused client may send them.
            if (values.length > 1) test = test.set({ [name]: values.map((value) => `${scheme}${value}`) });
            const response = await test.send(JSON.stringify(payload));
            await watch.assertQuiet();
            const effective = effectiveValue(placement, values);
            const authentic = effective !== undefined && mount.secrets.includes(effective);
            checkAnswer({ status: response.status, headers: response.headers, body: response.text }, mount);
            if (!authentic) {
              expect(response.status).toBe(401);
              expect(mount.record.events).toHaveLength(0);
            }
            assertNoPrototypePollution();
          },
        ),
        200,
      ),
    PROPERTY_TIMEOUT_MS,
  );
});
