import { randomUUID } from "node:crypto";
import type { z } from "zod";
import type {
  MisskeyEventName,
  MisskeyEventSchemas,
  MisskeyPayloads,
  MisskeyNote,
  MisskeyUserLite,
} from "../../providers/misskey/schema.js";
import type { Loose } from "../../core/loose.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { applyOverrides, type OverrideOptions } from "../overrides.js";

// Loose: the samples carry fields Misskey sends that the schemas do not check.
const user: Loose<MisskeyUserLite> = {
  id: "9abc0000user",
  name: "Alice",
  username: "alice",
  host: null,
  avatarUrl: "https://misskey.example/avatar.webp",
  avatarBlurhash: null,
  emojis: {},
  onlineStatus: "online",
};

const note: Loose<MisskeyNote> = {
  id: "9abc0000note",
  createdAt: "2026-11-23T05:00:00.000Z",
  userId: user.id,
  user,
  text: "Hello, fediverse!",
  cw: null,
  visibility: "public",
  localOnly: false,
  replyId: null,
  renoteId: null,
  fileIds: [],
  files: [],
  reactions: {},
  renoteCount: 0,
  repliesCount: 0,
};

const detailed = { ...user, description: "hi", followersCount: 1, followingCount: 2, notesCount: 3, createdAt: "2026-01-01T00:00:00.000Z" };
const report = {
  id: "9abc0000rep",
  targetUserId: user.id,
  targetUser: user,
  targetUserHost: null,
  reporterId: "9abc0000mod",
  reporter: { ...user, id: "9abc0000mod", username: "bob" },
  reporterHost: null,
  assigneeId: null,
  assignee: null,
  resolved: false,
  forwarded: false,
  comment: "spam",
  moderationNote: null,
  resolvedAs: null,
};

const bodies: { [K in MisskeyEventName]: MisskeyPayloads[K]["body"] } = {
  note: { note },
  reply: { note: { ...note, id: "9abc0000reply", replyId: "9abc0000orig", text: "@alice hi" } },
  renote: { note: { ...note, id: "9abc0000rn", renoteId: note.id, text: null } },
  mention: { note: { ...note, id: "9abc0000men", text: "@alice look" } },
  edited: { note: { ...note, text: "Hello, fediverse! (edited)" } },
  follow: { user: detailed },
  unfollow: { user: detailed },
  followed: { user },
  reaction: { note, reaction: "👍" },
  abuseReport: report,
  abuseReportResolved: { ...report, resolved: true, resolvedAs: "accept" },
  userCreated: user,
  inactiveModeratorsWarning: { remainingTime: { time: 86_400_000, asHours: 24, asDays: 1 } },
  inactiveModeratorsInvitationOnlyChanged: {},
};

const SYSTEM_EVENTS = new Set<MisskeyEventName>([
  "abuseReport",
  "abuseReportResolved",
  "userCreated",
  "inactiveModeratorsWarning",
  "inactiveModeratorsInvitationOnlyChanged",
]);

export const misskeyEventNames = Object.keys(bodies) as MisskeyEventName[];

/** A sample payload of a Misskey event, with a fresh `eventId`. */
export function misskeyPayload<K extends MisskeyEventName>(event: K): MisskeyPayloads[K] {
  return {
    server: "https://misskey.example",
    hookId: "9abc0000hook",
    ...(SYSTEM_EVENTS.has(event) ? {} : { userId: user.id }),
    eventId: randomUUID(),
    createdAt: Date.now(),
    type: event,
    body: structuredClone(bodies[event]),
  } as MisskeyPayloads[K];
}

/**
 * The servers whose delivery shapes the samples reproduce (sources in
 * lib/providers/misskey/PROVIDERS.md): current Misskey and Sharkey send `server` and
 * `application/json`; CherryPick no `server`; Misskey 12.x–13.10 (`"misskey-v13"`) no
 * `server` and no Content-Type (`text/plain;charset=UTF-8`); Firefish and Iceshrimp no
 * `server`, under their own header names and User-Agent.
 */
export type MisskeySampleSoftware = "misskey" | "misskey-v13" | "sharkey" | "cherrypick" | "firefish" | "iceshrimp";

const SHAPES: Record<MisskeySampleSoftware, { prefix: string; userAgent: string; server: boolean; contentType: string }> = {
  misskey: { prefix: "x-misskey", userAgent: "Misskey-Hooks", server: true, contentType: "application/json" },
  sharkey: { prefix: "x-misskey", userAgent: "Misskey-Hooks", server: true, contentType: "application/json" },
  cherrypick: { prefix: "x-misskey", userAgent: "Misskey-Hooks", server: false, contentType: "application/json" },
  "misskey-v13": { prefix: "x-misskey", userAgent: "Misskey-Hooks", server: false, contentType: "text/plain;charset=UTF-8" },
  firefish: { prefix: "x-firefish", userAgent: "Firefish-Hooks", server: false, contentType: "application/json" },
  iceshrimp: { prefix: "x-iceshrimp", userAgent: "Iceshrimp-Hooks", server: false, contentType: "application/json" },
};

export interface MisskeyDeliveryOptions<K extends MisskeyEventName> extends OverrideOptions<z.input<MisskeyEventSchemas[K]>> {
  /** The secret to send (`""`: a hook created without one, which sends the header empty); omit for no header. */
  secret?: string;
  /** Whose delivery to imitate: its header names, User-Agent, envelope and Content-Type. @default "misskey" */
  software?: MisskeySampleSoftware;
}

/** A Misskey-family delivery as the chosen server sends it: JSON with its `X-Misskey-*` (`X-Firefish-*`, `X-Iceshrimp-*`) headers. */
export function misskeyDelivery<K extends MisskeyEventName>(
  event: K,
  options: MisskeyDeliveryOptions<K> = {},
): Delivery<MisskeyPayloads[K]> {
  const shape = SHAPES[options.software ?? "misskey"];
  const base = misskeyPayload(event);
  if (!shape.server) delete (base as { server?: string }).server;
  const payload = applyOverrides(base, options);
  const headers: Record<string, string> = {
    "user-agent": shape.userAgent,
    [`${shape.prefix}-host`]: "misskey.example",
    [`${shape.prefix}-hook-id`]: payload.hookId,
  };
  if (options.secret !== undefined) headers[`${shape.prefix}-hook-secret`] = options.secret;
  const delivery = makeDelivery(payload, "application/json", headers);
  return { ...delivery, headers: { ...delivery.headers, "content-type": shape.contentType } };
}
