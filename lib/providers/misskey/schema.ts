import { z } from "zod";
import { looseObject } from "../../core/loose-object.js";

// Loose objects throughout: Misskey adds fields often, and a new one must never turn
// a genuine delivery into a refusal. We validate what listeners are likely to read.

/** `entities.UserLite` (misskey-js), the fields we check. */
export const misskeyUserLiteSchema = looseObject({
  id: z.string(),
  name: z.string().nullable().optional(),
  username: z.string(),
  host: z.string().nullable().optional(),
  avatarUrl: z.string().nullable().optional(),
});

/** `entities.UserDetailedNotMe` (misskey-js), the fields we check. */
export const misskeyUserDetailedSchema = misskeyUserLiteSchema.extend({
  description: z.string().nullable().optional(),
  followersCount: z.number().optional(),
  followingCount: z.number().optional(),
  notesCount: z.number().optional(),
  createdAt: z.string().optional(),
});

/** A map of reaction → count, checked in one loop: z.record() pays per entry and copies the map (BENCHMARKS.md). */
function isCountMap(value: unknown): value is Record<string, number> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== "number") return false;
  return true;
}

/** `entities.Note` (misskey-js), the fields we check. */
export const misskeyNoteSchema = looseObject({
  id: z.string(),
  createdAt: z.string(),
  userId: z.string(),
  user: misskeyUserLiteSchema,
  text: z.string().nullable(),
  cw: z.string().nullable().optional(),
  visibility: z.enum(["public", "home", "followers", "specified"]).or(z.string()),
  replyId: z.string().nullable().optional(),
  renoteId: z.string().nullable().optional(),
  reply: looseObject({ id: z.string() }).nullable().optional(),
  renote: looseObject({ id: z.string() }).nullable().optional(),
  fileIds: z.array(z.string()).optional(),
  files: z.array(looseObject({ id: z.string() })).optional(),
  reactions: z.custom<Record<string, number>>(isCountMap, "Expected reaction counts").optional(),
  renoteCount: z.number().optional(),
  repliesCount: z.number().optional(),
  uri: z.string().optional(),
  url: z.string().optional(),
});

/** The envelope of every delivery: user hooks carry `userId`, system hooks do not. */
export const misskeyEnvelopeSchema = looseObject({
  server: z.string().optional(),
  hookId: z.string(),
  userId: z.string().optional(),
  eventId: z.string().min(1),
  createdAt: z.number(),
  type: z.string().min(1),
  body: looseObject({}),
});

const withBody = <B extends z.ZodType>(body: B) => misskeyEnvelopeSchema.extend({ body });
const noteBody = withBody(looseObject({ note: misskeyNoteSchema }));

const abuseReportSchema = looseObject({
  id: z.string(),
  targetUserId: z.string(),
  targetUser: misskeyUserLiteSchema.nullable().optional(),
  targetUserHost: z.string().nullable().optional(),
  reporterId: z.string(),
  reporter: misskeyUserLiteSchema.nullable().optional(),
  reporterHost: z.string().nullable().optional(),
  assigneeId: z.string().nullable().optional(),
  assignee: misskeyUserLiteSchema.nullable().optional(),
  resolved: z.boolean(),
  forwarded: z.boolean().optional(),
  comment: z.string(),
  moderationNote: z.string().nullable().optional(),
  resolvedAs: z.enum(["accept", "reject"]).nullable().optional(),
});

/** Every event Misskey sends, by `type`, with the schema of the whole delivery. */
export const misskeyEventSchemas = {
  note: noteBody,
  reply: noteBody,
  renote: noteBody,
  mention: noteBody,
  /** Sent by Sharkey only (a note was edited; its Webhook.ts adds `edited`), never by Misskey. */
  edited: noteBody,
  follow: withBody(looseObject({ user: misskeyUserDetailedSchema })),
  unfollow: withBody(looseObject({ user: misskeyUserDetailedSchema })),
  followed: withBody(looseObject({ user: misskeyUserLiteSchema })),
  /** Selectable in Misskey's settings, but upstream never sends it (misskey#9485). */
  reaction: withBody(looseObject({ note: misskeyNoteSchema.optional(), reaction: z.unknown().optional() })),
  abuseReport: withBody(abuseReportSchema),
  abuseReportResolved: withBody(abuseReportSchema),
  userCreated: withBody(misskeyUserLiteSchema),
  inactiveModeratorsWarning: withBody(
    looseObject({ remainingTime: looseObject({ time: z.number(), asHours: z.number(), asDays: z.number() }) }),
  ),
  inactiveModeratorsInvitationOnlyChanged: withBody(looseObject({})),
} as const;

export type MisskeyEventSchemas = typeof misskeyEventSchemas;
export type MisskeyEventName = keyof MisskeyEventSchemas;
/** Payload type of each Misskey event, by name. */
export type MisskeyPayloads = { [K in MisskeyEventName]: z.output<MisskeyEventSchemas[K]> };
export type MisskeyNote = z.output<typeof misskeyNoteSchema>;
export type MisskeyUserLite = z.output<typeof misskeyUserLiteSchema>;
