import { createMisskeyReceiver, type MisskeyMeta } from "../../lib/providers/misskey/index.js";
import type { Delivery } from "../../lib/testing/delivery.js";
import { misskeyDelivery, type MisskeySampleSoftware } from "../../lib/testing/samples/misskey.js";
import { bodyOf } from "../fixtures/test-receiver.js";

// Every server speaking Misskey's webhook protocol, each as its own delivery worker sends
// it (sources: lib/providers/misskey/PROVIDERS.md).

const SECRET = "b7Qe2LxN9vK4cZ1m";

interface Seen {
  name: string;
  id: string;
  meta: MisskeyMeta;
  payload: unknown;
}

function setup(options: Parameters<typeof createMisskeyReceiver>[0] = { secret: SECRET }) {
  const seen: Seen[] = [];
  const receiver = createMisskeyReceiver({ logger: false, ...options });
  receiver.onAny((e) => {
    seen.push({ name: e.name, id: e.id, meta: e.meta, payload: e.payload });
  });
  return { receiver, seen };
}

const members: [MisskeySampleSoftware, "note" | "edited", MisskeyMeta["software"]][] = [
  ["misskey", "note", "misskey"],
  ["misskey-v13", "note", "misskey"],
  ["sharkey", "edited", "sharkey"],
  ["sharkey", "note", "misskey"],
  ["cherrypick", "note", "misskey"],
  ["firefish", "note", "firefish"],
  ["iceshrimp", "note", "iceshrimp"],
];

describe("each member's shape, from the /testing builder", () => {
  test.each(members)("%s %s → 200, meta.software %s", async (software, event, expected) => {
    const { receiver, seen } = setup();
    const delivery = misskeyDelivery(event, { secret: SECRET, software });
    const response = await receiver.receive(delivery);
    expect(response.status).toBe(200);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.name).toBe(event);
    expect(seen[0]!.id).toBe(delivery.payload.eventId);
    expect(seen[0]!.meta).toEqual({ software: expected, host: "misskey.example", hookId: delivery.payload.hookId, params: {} });
  });

  test("the builder reproduces each sender's envelope and Content-Type", () => {
    const shape = (software: MisskeySampleSoftware) => {
      const d = misskeyDelivery("note", { secret: "s", software });
      return ["server" in d.payload, d.headers["content-type"], d.headers["user-agent"], Object.keys(d.headers).sort().join(",")];
    };
    const misskeyHeaders = "content-type,user-agent,x-misskey-hook-id,x-misskey-hook-secret,x-misskey-host";
    expect(shape("misskey")).toEqual([true, "application/json", "Misskey-Hooks", misskeyHeaders]);
    expect(shape("sharkey")).toEqual([true, "application/json", "Misskey-Hooks", misskeyHeaders]);
    expect(shape("cherrypick")).toEqual([false, "application/json", "Misskey-Hooks", misskeyHeaders]);
    expect(shape("misskey-v13")).toEqual([false, "text/plain;charset=UTF-8", "Misskey-Hooks", misskeyHeaders]);
    expect(shape("firefish")).toEqual([
      false,
      "application/json",
      "Firefish-Hooks",
      "content-type,user-agent,x-firefish-hook-id,x-firefish-hook-secret,x-firefish-host",
    ]);
    expect(shape("iceshrimp")).toEqual([
      false,
      "application/json",
      "Iceshrimp-Hooks",
      "content-type,user-agent,x-iceshrimp-hook-id,x-iceshrimp-hook-secret,x-iceshrimp-host",
    ]);
  });
});

// Hand-written bytes: header names as node-fetch sends them (lower-cased, with its own
// accept headers), the body as JSON.stringify writes the worker's object literal.
const NOTE =
  '{"note":{"id":"a7k2q9zb0n0t0001","createdAt":"2025-06-01T03:04:05.678Z","userId":"a1b2c3d4e5f60001",' +
  '"user":{"id":"a1b2c3d4e5f60001","name":"アリス :blobcat:","username":"alice","host":null,"avatarUrl":null},' +
  '"text":"こんにちは","cw":null,"visibility":"public","localOnly":false,"reactionAcceptance":null,"renoteCount":0,' +
  '"repliesCount":0,"reactionCount":0,"reactions":{},"reactionEmojis":{},"fileIds":[],"files":[],"replyId":null,"renoteId":null}}';
const ENVELOPE_TAIL =
  '"hookId":"a7k2q9zb0h0k0001","userId":"a1b2c3d4e5f60001","eventId":"4bf2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7","createdAt":1748757900000';

function raw(prefix: string, userAgent: string, contentType: string, body: string, secret = SECRET): Delivery {
  return {
    method: "POST",
    headers: {
      accept: "*/*",
      "accept-encoding": "gzip, deflate, br",
      "content-length": String(Buffer.byteLength(body)),
      "content-type": contentType,
      "user-agent": userAgent,
      [`${prefix}-hook-id`]: "a7k2q9zb0h0k0001",
      [`${prefix}-hook-secret`]: secret,
      [`${prefix}-host`]: "misskey.example",
      connection: "keep-alive",
    },
    body,
    payload: undefined,
  };
}

const rawMembers: [string, Delivery, string, MisskeyMeta["software"]][] = [
  [
    "Misskey (UserWebhookDeliverProcessorService.ts)",
    raw(
      "x-misskey",
      "Misskey-Hooks",
      "application/json",
      `{"server":"https://misskey.example",${ENVELOPE_TAIL},"type":"note","body":${NOTE}}`,
    ),
    "note",
    "misskey",
  ],
  [
    "Misskey 12.x–13.10 (webhook-deliver.ts: no server, text/plain)",
    raw("x-misskey", "Misskey-Hooks", "text/plain;charset=UTF-8", `{${ENVELOPE_TAIL},"type":"note","body":${NOTE}}`),
    "note",
    "misskey",
  ],
  [
    "Sharkey edited (NoteEditService.ts)",
    raw(
      "x-misskey",
      "Misskey-Hooks",
      "application/json",
      `{"server":"https://misskey.example",${ENVELOPE_TAIL},"type":"edited","body":${NOTE}}`,
    ),
    "edited",
    "sharkey",
  ],
  [
    "CherryPick (WebhookDeliverProcessorService.ts: no server)",
    raw("x-misskey", "Misskey-Hooks", "application/json", `{${ENVELOPE_TAIL},"type":"note","body":${NOTE}}`),
    "note",
    "misskey",
  ],
  [
    "Firefish (webhook-deliver.ts)",
    raw("x-firefish", "Firefish-Hooks", "application/json", `{${ENVELOPE_TAIL},"type":"note","body":${NOTE}}`),
    "note",
    "firefish",
  ],
  [
    "Iceshrimp (webhook-deliver.ts)",
    raw("x-iceshrimp", "Iceshrimp-Hooks", "application/json", `{${ENVELOPE_TAIL},"type":"note","body":${NOTE}}`),
    "note",
    "iceshrimp",
  ],
];

describe("each member's delivery, byte for byte", () => {
  test.each(rawMembers)("%s → 200", async (_who, delivery, event, software) => {
    const { receiver, seen } = setup();
    const response = await receiver.receive(delivery);
    expect(response.status).toBe(200);
    expect(seen.map((e) => [e.name, e.id, e.meta.software, e.meta.host, e.meta.hookId])).toEqual([
      [event, "4bf2a3b4-c5d6-4e7f-8091-a2b3c4d5e6f7", software, "misskey.example", "a7k2q9zb0h0k0001"],
    ]);
  });

  test("Sharkey's edited note is typed", async () => {
    const { receiver } = setup();
    const texts: (string | null)[] = [];
    receiver.on("edited", (e) => {
      texts.push(e.payload.body.note.text);
    });
    expect((await receiver.receive(rawMembers[2]![1])).status).toBe(200);
    expect(texts).toEqual(["こんにちは"]);
  });
});

describe("each family's secret header", () => {
  const families: [string, MisskeySampleSoftware][] = [
    ["X-Misskey-Hook-Secret", "misskey"],
    ["X-Firefish-Hook-Secret", "firefish"],
    ["X-Iceshrimp-Hook-Secret", "iceshrimp"],
  ];

  test.each(families)("a wrong secret in %s → 401 signature_mismatch, nothing dispatched", async (header, software) => {
    const { receiver, seen } = setup();
    const response = await receiver.receive(misskeyDelivery("note", { secret: "wrong", software }));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_mismatch");
    expect(JSON.stringify(bodyOf(response))).toContain(header);
    expect(seen).toEqual([]);
  });

  test.each(families)("%s sent empty (a hook without a secret) → 401 signature_missing when a secret is set", async (_h, software) => {
    const { receiver, seen } = setup();
    const response = await receiver.receive(misskeyDelivery("note", { secret: "", software }));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
    expect(seen).toEqual([]);
  });

  test.each(families)("%s sent empty → accepted with allowUnauthenticated: true (no secret)", async (_h, software) => {
    const { receiver, seen } = setup({ allowUnauthenticated: true });
    const response = await receiver.receive(misskeyDelivery("note", { secret: "", software }));
    expect(response.status).toBe(200);
    expect(seen.map((e) => [e.name, e.meta.software])).toEqual([["note", software]]);
  });

  test('secret: "" is refused at construction: no secret must be written out as allowUnauthenticated', () => {
    expect(() => createMisskeyReceiver({ secret: "" })).toThrow(TypeError);
  });

  test.each([
    ["Misskey and Firefish", "x-firefish-hook-secret", SECRET],
    ["Misskey and Iceshrimp", "x-iceshrimp-hook-secret", SECRET],
    ["Misskey and an empty Firefish one", "x-firefish-hook-secret", ""],
  ])("two family secret headers (%s) → 401 signature_mismatch, even both right", async (_what, extra, value) => {
    const { receiver, seen } = setup();
    const delivery = misskeyDelivery("note", { secret: SECRET });
    const response = await receiver.receive({ ...delivery, headers: { ...delivery.headers, [extra]: value } });
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_mismatch");
    expect(seen).toEqual([]);
  });

  test("no family secret header at all → 401 signature_missing naming all three", async () => {
    const { receiver } = setup();
    const response = await receiver.receive(misskeyDelivery("note", { software: "firefish" }));
    expect(response.status).toBe(401);
    expect(bodyOf(response)["error"]).toBe("signature_missing");
    expect(String(bodyOf(response)["message"])).toContain("X-Misskey-Hook-Secret / X-Firefish-Hook-Secret / X-Iceshrimp-Hook-Secret");
  });
});

describe("meta.software", () => {
  test("a User-Agent that is not the family's → unknown (host and hookId still read)", async () => {
    const { receiver, seen } = setup();
    const delivery = misskeyDelivery("note", { secret: SECRET, software: "firefish" });
    await receiver.receive({ ...delivery, headers: { ...delivery.headers, "user-agent": "Misskey-Hooks" } });
    expect(seen[0]!.meta).toEqual({ software: "unknown", host: "misskey.example", hookId: delivery.payload.hookId, params: {} });
  });

  test("no family header (allowUnauthenticated) → unknown, no host", async () => {
    const { receiver, seen } = setup({ allowUnauthenticated: true });
    await receiver.receive({
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(misskeyDelivery("note").payload),
    });
    expect(seen[0]!.meta).toEqual({ software: "unknown", host: undefined, hookId: undefined, params: {} });
  });
});
