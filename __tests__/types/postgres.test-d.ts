// Compiled by `tsc --noEmit` (npm test), never run: how the PostgreSQL stores are typed.
import { expectTypeOf } from "expect-type";
import pg from "pg";
import { createMisskeyReceiver } from "../../lib/index.js";
import type { InboxStore } from "../../lib/inbox/types.js";
import { PostgresInbox, PostgresStore, postgresInboxSchema, type PgPoolClient } from "../../lib/postgres/index.js";
import type { DedupeStore } from "../../lib/stores/types.js";

declare const pool: pg.Pool;

// A pg.Pool fits as it is, and transactionOf hands back pg's own client type.
const inbox = new PostgresInbox({ pool, transactional: true });
expectTypeOf(inbox.transactionOf({})).toEqualTypeOf<pg.PoolClient>();
expectTypeOf(inbox).toExtend<InboxStore>();
expectTypeOf(new PostgresStore({ pool })).toExtend<DedupeStore>();

// From a URL: the client is typed structurally (no pg types needed).
const fromUrl = new PostgresInbox({ connectionString: "postgres://localhost/app" });
expectTypeOf(fromUrl.transactionOf({})).toEqualTypeOf<PgPoolClient>();
expectTypeOf(postgresInboxSchema({ table: "app.inbox" })).toEqualTypeOf<string>();

createMisskeyReceiver({ secret: "s", inbox });
createMisskeyReceiver({ secret: "s", inbox: { store: fromUrl, maxAttempts: 3 } });
createMisskeyReceiver({ secret: "s", dedupe: new PostgresStore({ pool }) });

// @ts-expect-error: a URL is not a pool
new PostgresInbox({ pool: "postgres://localhost/app" });
// @ts-expect-error: transactional is a boolean
new PostgresInbox({ pool, transactional: "yes" });
