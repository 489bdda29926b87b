/**
 * What the PostgreSQL stores use of node-postgres (`pg`), typed structurally so that
 * neither this package nor its types load `pg`: pass the `Pool` you already have. A
 * `pg.Pool` fits as it is.
 */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null; command?: string }>;
}

/** A client checked out of the pool (`pg.PoolClient`). */
export interface PgPoolClient extends PgQueryable {
  /** Back to the pool; with an error, the pool discards the client instead. */
  release(error?: Error | boolean): void;
  on?(event: "error", listener: (error: Error) => void): unknown;
  removeListener?(event: "error", listener: (error: Error) => void): unknown;
}

/** A connection pool (`pg.Pool`). */
export interface PgPool<Client extends PgPoolClient = PgPoolClient> extends PgQueryable {
  connect(): Promise<Client>;
  end?(): Promise<void>;
  on?(event: "error", listener: (error: Error) => void): unknown;
  removeListener?(event: "error", listener: (error: Error) => void): unknown;
  listenerCount?(event: "error"): number;
}

export function isPgPool(value: unknown): value is PgPool {
  const pool = value as Partial<PgPool> | null | undefined;
  return typeof pool === "object" && pool !== null && typeof pool.query === "function" && typeof pool.connect === "function";
}

// What a pool's `connect()` resolves: pg.Pool overloads it (a promise, or a callback), and
// inference reads only the last overload of a single-signature pattern, so both are tried.
type Single<P> = P extends { connect(): Promise<infer C> } ? C : never;
type Double<P> = P extends { connect(): Promise<infer C>; connect(callback: never): void } ? C : never;
type IsClient<C> = [C] extends [never] ? false : unknown extends C ? false : C extends PgPoolClient ? true : false;

/** The client type a pool hands out (`pg.PoolClient` for a `pg.Pool`). */
export type PgClientOf<P> = IsClient<Single<P>> extends true ? Single<P> : IsClient<Double<P>> extends true ? Double<P> : PgPoolClient;
