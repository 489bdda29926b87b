import { z } from "zod";
import { looseObject } from "../../core/loose-object.js";

// Loose objects throughout, and only the fields each event exists for are required:
// OneInbox resends whatever it does not get a 2xx for, so a schema stricter than the
// sender would turn one surprise field into an endless resend loop.

/** An id or phone number: a string, or a number some serialisers send instead. */
const stringLike = z.union([z.string(), z.number().transform(String)]);
/** A count of seconds: a number, or the same as a numeric string. */
const numberLike = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

/** What every delivery has: the event name and the call it is about. */
export const oneInboxEnvelopeSchema = looseObject({
  event: z.string().min(1),
  // Optional here so a test delivery without a call still reaches onAny.
  call_id: z.union([z.string().min(1), z.number()]).optional(),
});

const callEvent = <N extends string, S extends z.ZodRawShape>(event: N, shape: S) =>
  looseObject({
    event: z.literal(event),
    call_id: stringLike.pipe(z.string().min(1)),
    agent_id: stringLike.nullish(),
    ...shape,
  });

const numbers = {
  to_number: stringLike.nullish(),
  from_number: stringLike.nullish(),
};

/** One line of a transcript. */
export const oneInboxMessageSchema = looseObject({
  role: z.enum(["agent", "user"]).or(z.string()),
  content: z.string(),
});

const transcript = { messages: z.array(oneInboxMessageSchema) };
const outcome = { outcome: z.string().nullish(), ai_summary: z.string().nullish() };

/** Every event OneInbox sends, by `event`, with the schema of the whole (flat) body. */
export const oneInboxEventSchemas = {
  "call.started": callEvent("call.started", { ...numbers, created_at: z.string().nullish() }),
  "call.ended": callEvent("call.ended", {
    ...numbers,
    ...outcome,
    status: z.string(),
    duration_seconds: numberLike.nullish(),
    analysis: looseObject({ summary: z.string().nullish() }).nullish(),
  }),
  "call.analyzed": callEvent("call.analyzed", outcome),
  "call.failed": callEvent("call.failed", { ...numbers, reason: z.string() }),
  "call.recording.available": callEvent("call.recording.available", { recording_url: z.string().min(1) }),
  /** Sent repeatedly during a call, each time with the transcript so far. */
  "transcript.partial": callEvent("transcript.partial", transcript),
  /** Sent once after `call.ended`, with the whole transcript. */
  "transcript.final": callEvent("transcript.final", transcript),
} as const;

export type OneInboxEventSchemas = typeof oneInboxEventSchemas;
export type OneInboxEventName = keyof OneInboxEventSchemas;
/** Payload type of each OneInbox event, by name. */
export type OneInboxPayloads = { [K in OneInboxEventName]: z.output<OneInboxEventSchemas[K]> };
export type OneInboxMessage = z.output<typeof oneInboxMessageSchema>;
