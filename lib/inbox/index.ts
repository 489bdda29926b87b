export type { InboxFilter, InboxRecord, InboxStatus, InboxStore, NewInboxRecord, PurgeFilter } from "./types.js";
export { MemoryInbox, type MemoryInboxOptions } from "./memory.js";
export { SqliteInbox, type SqliteInboxOptions, type SqliteDatabaseConstructor } from "./sqlite.js";
export { RedisInbox, type RedisInboxOptions } from "./redis.js";
export type { RedisClient } from "../stores/redis.js";
export { listInbox } from "./list-inbox.js";
export { showInbox } from "./show-inbox.js";
export { replayInbox, type ReplayResult, type ReplayTarget } from "./replay-inbox.js";
export { purgeInbox } from "./purge-inbox.js";
