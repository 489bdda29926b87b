// `express-webhook-receivers/postgres`: the PostgreSQL inbox and dedupe store. Needs the
// optional peer dependency `pg` only when given a `connectionString` (a `pool` is yours).
export { PostgresInbox, type PostgresInboxOptions } from "../inbox/postgres.js";
export { postgresInboxSchema } from "../inbox/postgres-schema.js";
export type { PgClientOf, PgPool, PgPoolClient, PgQueryable } from "../inbox/postgres-client.js";
export { PostgresStore, postgresStoreSchema, type PostgresStoreOptions } from "../stores/postgres.js";
