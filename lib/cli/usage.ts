/** What `express-webhook-receivers --help` prints. */
export const USAGE = `Usage: express-webhook-receivers inbox <command> (--sqlite <path> | --redis <url> | --postgres <url>) [options]

Commands:
  list                  List records, newest first
  show <key>            Print one record with its payload
  replay <key...>       Make records pending and due now: a running receiver dispatches them
  replay --failed       Replay every failed record (with --provider, only that provider's)
  purge                 Delete done and failed records (never pending ones)

Options:
  --sqlite <path>       The SqliteInbox database file (never created here)
  --redis <url>         The Redis server of a RedisInbox (needs ioredis installed)
  --prefix <prefix>     RedisInbox key prefix (default "{ewr:inbox}")
  --postgres <url>      The PostgreSQL database of a PostgresInbox (needs pg installed; never creates the table)
  --table <name>        PostgresInbox table, optionally schema-qualified (default "ewr_inbox")
  --provider <name>     Only this provider's records (list, replay --failed, purge)
  --status <status>     list: pending, done or failed; purge: done or failed
  --before <date>       purge: only records last changed before this ISO 8601 time
  --limit <n>           list: most records shown (default 100)
  --failed              replay: every failed record
  --json                Machine-readable output
  -h, --help            Show this help

Exit codes: 0 done, 1 failed (no inbox at the path or no inbox table, record not found, store unreachable), 2 usage error.
`;

/** A command line we cannot run as written: exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
