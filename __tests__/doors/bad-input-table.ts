import { gzipSync } from "node:zlib";
import { misskeyDelivery } from "../../lib/testing/samples/misskey.js";

/**
 * One table of bad (and good) input, run through every door: Express router, Node
 * handler, fetch with Node's own Request, Hono, Fastify and the multi-receiver
 * middleware. Every door must give each row the same status and `error` code.
 */

export const SECRET = "doors-secret";
/** Small, so "too large" is a few kilobytes. */
export const LIMIT = 2048;
export const PATH = "/hooks/misskey";

/** A request as it goes on the wire: `chunked` leaves out Content-Length. */
export interface WireRequest {
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly chunks: readonly Buffer[];
  readonly chunked?: boolean;
}

/** What came back: status, content type and the JSON body. */
export interface WireAnswer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: unknown;
}

export interface BadInputRow {
  readonly name: string;
  /** Sent in order; the last one's answer is checked. */
  readonly requests: () => WireRequest[];
  readonly status: number;
  /** The body's `error` code, or the whole body for a 200. */
  readonly expected: { readonly error: string } | { readonly ok: true; readonly duplicate?: true };
}

function post(headers: Record<string, string>, body: string | Buffer, chunked = false): WireRequest {
  const bytes = Buffer.from(body);
  // Two chunks when chunked: the limit is crossed on the wire, not in one piece.
  const chunks = chunked ? [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)] : [bytes];
  return { method: "POST", headers, chunks, chunked };
}

function note(secret = SECRET, text = "Hello") {
  return misskeyDelivery("note", { secret, overrides: { body: { note: { text } } } });
}

function withHeaders(extra: Record<string, string>, remove?: string): WireRequest {
  const d = note();
  const headers = Object.fromEntries(Object.entries({ ...d.headers, ...extra }).filter(([name]) => name !== remove));
  return post(headers, d.body);
}

function withBody(body: string): WireRequest {
  return post(note().headers, body);
}

const tooLarge = (): WireRequest => {
  const d = note(SECRET, "x".repeat(LIMIT * 4));
  return post(d.headers, d.body);
};
const tooLargeChunked = (): WireRequest => {
  const d = note(SECRET, "x".repeat(LIMIT * 4));
  return post(d.headers, d.body, true);
};

export const badInputTable: readonly BadInputRow[] = [
  { name: "good delivery", requests: () => [withHeaders({})], status: 200, expected: { ok: true } },
  {
    name: "wrong secret",
    requests: () => [withHeaders({ "x-misskey-hook-secret": "wrong" })],
    status: 401,
    expected: { error: "signature_mismatch" },
  },
  {
    name: "missing secret",
    requests: () => [withHeaders({}, "x-misskey-hook-secret")],
    status: 401,
    expected: { error: "signature_missing" },
  },
  {
    name: "GET",
    requests: () => [{ method: "GET", headers: { "x-misskey-hook-secret": SECRET }, chunks: [] }],
    status: 405,
    expected: { error: "method_not_allowed" },
  },
  { name: "too large (Content-Length)", requests: () => [tooLarge()], status: 413, expected: { error: "body_too_large" } },
  { name: "too large (chunked)", requests: () => [tooLargeChunked()], status: 413, expected: { error: "body_too_large" } },
  {
    name: "wrong content type",
    requests: () => [withHeaders({ "content-type": "application/xml" })],
    status: 415,
    expected: { error: "unsupported_media_type" },
  },
  {
    name: "Content-Encoding: gzip",
    requests: () => {
      const d = note();
      return [post({ ...d.headers, "content-encoding": "gzip" }, gzipSync(d.body))];
    },
    status: 415,
    expected: { error: "unsupported_encoding" },
  },
  { name: "malformed JSON", requests: () => [withBody('{"type": "note",')], status: 400, expected: { error: "malformed_body" } },
  {
    name: "invalid envelope",
    requests: () => [withBody(JSON.stringify({ hello: "world" }))],
    status: 400,
    expected: { error: "invalid_envelope" },
  },
  {
    name: "deep JSON",
    requests: () => [withBody("[".repeat(200) + "]".repeat(200))],
    status: 400,
    expected: { error: "body_too_deep" },
  },
  {
    name: "duplicate delivery",
    requests: () => {
      const d = note();
      return [post(d.headers, d.body), post(d.headers, d.body)];
    },
    status: 200,
    expected: { ok: true, duplicate: true },
  },
];

/** The part of an answer the table checks. */
export function verdict(answer: WireAnswer): { status: number; json: boolean; expected: unknown } {
  const body = answer.body as Record<string, unknown> | null;
  const expected = body !== null && typeof body === "object" && "error" in body ? { error: body["error"] } : body;
  return { status: answer.status, json: (answer.contentType ?? "").startsWith("application/json"), expected };
}
