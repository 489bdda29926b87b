import { storedJson } from "./unstorable.js";
import type { InboxRecord, InboxStatus, NewInboxRecord } from "./types.js";

/** A new record as the field/value list of its Redis hash (absent fields are undefined). */
export function toHashFields(record: NewInboxRecord, nextAttemptAt: number, now: number): (string | number)[] {
  const fields: (string | number)[] = [
    "key",
    record.key,
    "provider",
    record.provider,
    "name",
    record.name,
    "known",
    record.known ? 1 : 0,
    "receivedAt",
    record.receivedAt,
    "status",
    "pending",
    "attempts",
    // A record left for workers (no lease) has had no attempt yet.
    nextAttemptAt > now ? 1 : 0,
    "nextAttemptAt",
    nextAttemptAt,
    "updatedAt",
    now,
  ];
  if (record.deliveryId !== undefined) fields.push("deliveryId", record.deliveryId);
  if (record.payload !== undefined) fields.push("payload", storedJson("payload", record.payload));
  if (record.meta !== undefined) fields.push("meta", storedJson("meta", record.meta));
  return fields;
}

/** A record from its hash's `HGETALL` reply (a flat field/value list); undefined if empty or not one. */
export function fromHashReply(reply: unknown): InboxRecord | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  const hash = new Map<string, string>();
  for (let i = 0; i + 1 < reply.length; i += 2) hash.set(String(reply[i]), String(reply[i + 1]));
  const text = (field: string) => hash.get(field);
  const number = (field: string) => Number(hash.get(field) ?? 0);
  const json = (field: string) => {
    const value = hash.get(field);
    return value === undefined ? undefined : (JSON.parse(value) as unknown);
  };
  return {
    key: text("key") ?? "",
    provider: text("provider") ?? "",
    name: text("name") ?? "",
    deliveryId: text("deliveryId"),
    known: text("known") === "1",
    payload: json("payload"),
    meta: json("meta"),
    receivedAt: number("receivedAt"),
    status: parseStatus(text("status")),
    attempts: number("attempts"),
    nextAttemptAt: number("nextAttemptAt"),
    lastError: text("lastError"),
    updatedAt: number("updatedAt"),
  };
}

function parseStatus(value: string | undefined): InboxStatus {
  return value === "done" || value === "failed" ? value : "pending";
}
