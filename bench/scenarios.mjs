// What `npm run bench` measures: every server, the request it gets, the answer that
// counts, and which bare-Express run is its ceiling (same body bytes on the wire).
import { createHmac } from "node:crypto";
import * as testing from "express-webhook-receivers/testing";
import { fiveFieldMultipart, misskeyNoteJson, okskyMultipartWithFile, okskySizedDelivery, withFreshIds } from "./support/bodies.mjs";

export const SECRET = "bench-secret-0123456789abcdef";
export const PATH = "/hook";
const KB = 1024;
const MB = 1_000_000;

/** OK SKY's sample builder, from the testing entry point or, until it is exported there, from its module. */
async function okskySamples() {
  if (typeof testing.okskyDelivery === "function") return testing.okskyDelivery;
  try {
    const url = new URL("./dist/esm/testing/samples/oksky.js", import.meta.resolve("express-webhook-receivers/package.json"));
    return (await import(url.href)).okskyDelivery;
  } catch {
    return undefined;
  }
}

const hmac = (body, encoding) => createHmac("sha256", SECRET).update(body).digest(encoding);

function post(headers, body) {
  return { method: "POST", path: PATH, headers, body };
}

/** The Misskey delivery's own headers (user-agent, X-Misskey-*, the secret). */
function misskeyHeaders(secret = SECRET) {
  const { headers } = testing.misskeyDelivery("note", { secret });
  return { ...headers, "content-type": "application/json" };
}

function jsonScenarios(size, label) {
  const { body } = misskeyNoteJson(testing.misskeyPayload, size);
  const ceiling = `bare-express@${label}`;
  const fresh = (headers) => withFreshIds(post(headers, body));
  return [
    { id: ceiling, kind: "bare-express", request: fresh(misskeyHeaders()), expect: 200, ceiling, size },
    ...(size <= KB ? [{ id: `node-http@${label}`, kind: "node-http", request: fresh(misskeyHeaders()), expect: 200, ceiling, size }] : []),
    { id: `express-json-token@${label}`, kind: "express-json-token", request: fresh(misskeyHeaders()), expect: 200, ceiling, size },
    {
      id: `octokit@${label}`,
      kind: "octokit",
      // A signed body cannot change per request without re-signing; peers do not dedupe.
      request: post(
        {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/bench",
          "x-github-event": "push",
          "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
          "x-hub-signature-256": `sha256=${hmac(body, "hex")}`,
        },
        body,
      ),
      expect: 200,
      ceiling,
      size,
    },
    {
      id: `line@${label}`,
      kind: "line",
      request: post({ "content-type": "application/json", "x-line-signature": hmac(body, "base64") }, body),
      expect: 200,
      ceiling,
      size,
    },
    // The floor: the same work as ours written inline, with none of the safety (see the server).
    { id: `minimal-misskey@${label}`, kind: "minimal-misskey", request: fresh(misskeyHeaders()), expect: 200, ceiling, size },
    { id: `misskey@${label}`, kind: "misskey", request: fresh(misskeyHeaders()), expect: 200, ceiling, size, target: targetFor(label) },
    // Metrics and tracing on: compare with misskey@<size> of the same run.
    ...(size <= KB
      ? [{ id: `misskey-observed@${label}`, kind: "misskey-observed", request: fresh(misskeyHeaders()), expect: 200, ceiling, size }]
      : []),
  ];
}

function targetFor(label) {
  if (label === "1KB") return { min: 0.95 };
  if (label === "64KB") return { min: 0.6, beatPeers: ["express-json-token@64KB", "octokit@64KB", "line@64KB"] };
  return undefined;
}

async function formScenarios() {
  const ceiling = "bare-express@1KB";
  const busboy = fiveFieldMultipart(KB);
  const list = [
    {
      id: "busboy-5-fields@1KB",
      kind: "busboy",
      request: post({ "content-type": busboy.contentType }, busboy.body),
      expect: 200,
      ceiling,
      size: KB,
    },
  ];
  const okskyDelivery = await okskySamples();
  if (!okskyDelivery) return { list, skipped: ["oksky-* (OK SKY's sample builder is not built yet)"] };
  const types = [
    ["json", "application/json", undefined],
    ["vnd-api-json", "application/vnd.api+json", undefined],
    ["urlencoded", "application/x-www-form-urlencoded", { min: 0.8 }],
    ["multipart", "multipart/form-data", { min: 0.8 }],
  ];
  for (const [name, contentType, target] of types) {
    const { headers, body } = okskySizedDelivery(okskyDelivery, { size: KB, secret: SECRET, contentType });
    list.push({ id: `oksky-${name}@1KB`, kind: "oksky", request: post(headers, body), expect: 200, ceiling, size: KB, target });
  }
  return { list, skipped: [], okskyDelivery };
}

async function megabyteScenarios(okskyDelivery) {
  const { body } = misskeyNoteJson(testing.misskeyPayload, MB);
  const ceiling = "bare-express@1MB";
  const list = [
    { id: ceiling, kind: "bare-express", request: withFreshIds(post(misskeyHeaders(), body)), expect: 200, ceiling, size: MB },
    { id: "misskey@1MB", kind: "misskey", request: withFreshIds(post(misskeyHeaders(), body)), expect: 200, ceiling, size: MB },
    {
      id: "misskey-forged@1MB",
      kind: "misskey",
      request: post(misskeyHeaders("wrong-secret"), body),
      expect: 401,
      ceiling,
      size: MB,
      // Refused from the header alone: must cost less than reading and parsing it.
      target: { cheaperThan: "misskey@1MB" },
    },
    {
      id: "express-json-token-forged@1MB",
      kind: "express-json-token",
      request: post(misskeyHeaders("wrong-secret"), body),
      expect: 401,
      ceiling,
      size: MB,
    },
  ];
  if (okskyDelivery) {
    const { headers, body: multipart } = okskyMultipartWithFile(
      { okskyDelivery, toFormFields: testing.toFormFields },
      { secret: SECRET, fileSize: MB },
    );
    list.push({
      id: "oksky-multipart-file@1MB",
      kind: "oksky",
      request: post(headers, multipart),
      expect: 200,
      ceiling,
      size: multipart.length,
    });
  }
  return list;
}

/** Every scenario, in the order they are run within a round. */
export async function buildScenarios() {
  const forms = await formScenarios();
  const all = [
    ...jsonScenarios(KB, "1KB"),
    ...forms.list,
    ...jsonScenarios(64 * KB, "64KB"),
    ...(await megabyteScenarios(forms.okskyDelivery)),
  ];
  for (const scenario of all) scenario.config = { path: PATH, secret: SECRET, header: "x-misskey-hook-secret" };
  return { scenarios: all, skipped: forms.skipped };
}
