import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type { OneInboxEventName, OneInboxEventSchemas, OneInboxMessage, OneInboxPayloads } from "../../providers/oneinbox/schema.js";
import { makeDelivery, type Delivery } from "../delivery.js";
import { applyOverrides, type OverrideOptions } from "../overrides.js";

const numbers = { to_number: "+919876543210", from_number: "+15739693824" };
const summary = "Caller agreed to a product demo on Thursday at 3pm.";
const conversation: OneInboxMessage[] = [
  { role: "agent", content: "Hi! How can I help you today?" },
  { role: "user", content: "I'd like to book a demo." },
  { role: "agent", content: "Of course! Let me get that booked for you." },
];

const callId = () => `call_${randomBytes(6).toString("hex")}`;
// As in OneInbox's examples: recording and transcript events carry no agent_id.
const ids = () => ({ call_id: callId(), agent_id: "agt_abc123" });

const payloads: { [K in OneInboxEventName]: () => OneInboxPayloads[K] } = {
  "call.started": () => ({ event: "call.started", ...ids(), ...numbers, created_at: "2026-06-01T10:00:00Z" }),
  "call.ended": () => ({
    event: "call.ended",
    ...ids(),
    ...numbers,
    status: "completed",
    duration_seconds: 87,
    outcome: "Appointment Booked",
    ai_summary: summary,
    analysis: { summary },
  }),
  "call.analyzed": () => ({ event: "call.analyzed", ...ids(), outcome: "Appointment Booked", ai_summary: summary }),
  "call.failed": () => ({ event: "call.failed", ...ids(), ...numbers, reason: "no-answer" }),
  "call.recording.available": () => {
    const call_id = callId();
    return { event: "call.recording.available", call_id, recording_url: `https://storage.oneinbox.ai/recordings/${call_id}.mp3` };
  },
  "transcript.partial": () => ({ event: "transcript.partial", call_id: callId(), messages: structuredClone(conversation.slice(0, 2)) }),
  "transcript.final": () => ({ event: "transcript.final", call_id: callId(), messages: structuredClone(conversation) }),
};

export const oneInboxEventNames = Object.keys(payloads) as OneInboxEventName[];

/** A sample payload of a OneInbox event, for a fresh `call_id`. */
export function oneInboxPayload<K extends OneInboxEventName>(event: K): OneInboxPayloads[K] {
  return payloads[event]();
}

export interface OneInboxDeliveryOptions<K extends OneInboxEventName> extends OverrideOptions<z.input<OneInboxEventSchemas[K]>> {
  /** A token to send as `Authorization: Bearer <token>`; omit for none. */
  token?: string;
}

/** A OneInbox delivery: a flat JSON body. */
export function oneInboxDelivery<K extends OneInboxEventName>(
  event: K,
  options: OneInboxDeliveryOptions<K> = {},
): Delivery<OneInboxPayloads[K]> {
  const payload = applyOverrides(oneInboxPayload(event), options);
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  return makeDelivery(payload, "application/json", headers);
}
