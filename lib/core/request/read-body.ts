import type { Readable } from "node:stream";
import { WebhookError } from "../errors.js";

export interface ReadBodyOptions {
  /** Most bytes accepted. */
  limit: number;
  /** The Content-Length header, if any: refuse early instead of reading. */
  declaredLength?: string | undefined;
  /** Longest time the whole body may take to arrive (408 beyond): a slow drip holds no socket for long. */
  timeoutMs?: number;
}

/**
 * Reads a request body into one Buffer, refusing with 413 as soon as it is known to be
 * over the limit: from Content-Length before any byte is read, or at the first chunk
 * that crosses it. The rest is never buffered; the stream is paused and left to the
 * HTTP layer (the Express adapter reads the rest off and drops it, or closes).
 */
export function readBody(stream: Readable, { limit, declaredLength, timeoutMs }: ReadBodyOptions): Promise<Buffer> {
  if (declaredLength !== undefined) {
    const length = Number(declaredLength);
    if (Number.isFinite(length) && length > limit) return Promise.reject(tooLarge(limit));
  }
  if (stream.readableEnded) return Promise.resolve(Buffer.alloc(0));
  // Destroyed before the end (the client left while a middleware ran): "close" is already past.
  if (stream.destroyed) return Promise.reject(aborted());

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let timer: NodeJS.Timeout | undefined;

    const cleanup = (): void => {
      clearTimeout(timer);
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
      stream.off("aborted", onAborted);
      stream.off("close", onClose);
    };
    const fail = (error: WebhookError): void => {
      cleanup();
      // A stream we gave up on may still error later; unheard, that would crash the process.
      stream.on("error", ignore);
      stream.pause();
      reject(error);
    };
    const onData = (chunk: Buffer | string): void => {
      const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
      received += buffer.length;
      if (received > limit) {
        fail(tooLarge(limit));
        return;
      }
      chunks.push(buffer);
    };
    const onEnd = (): void => {
      cleanup();
      // One chunk (the usual small body) is used as it is, without a copy.
      const only = chunks.length === 1 ? chunks[0] : undefined;
      resolve(only ?? Buffer.concat(chunks, received));
    };
    const onError = (cause: Error): void => {
      fail(new WebhookError("request_aborted", "The request body could not be read.", { cause }));
    };
    const onAborted = (): void => {
      fail(aborted());
    };
    // "close" before "end" means the connection went away mid-body.
    const onClose = (): void => {
      if (!stream.readableEnded) onAborted();
    };

    stream.on("data", onData);
    stream.on("end", onEnd);
    stream.on("error", onError);
    stream.on("aborted", onAborted);
    stream.on("close", onClose);
    if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
      timer = setTimeout(() => {
        fail(new WebhookError("request_timeout", `The request body did not arrive within ${timeoutMs} ms.`));
      }, timeoutMs);
    }
    // A "data" listener does not restart a stream a middleware explicitly paused: it would hang.
    stream.resume();
  });
}

function ignore(): void {}

function aborted(): WebhookError {
  return new WebhookError("request_aborted", "The client aborted the request.");
}

function tooLarge(limit: number): WebhookError {
  return new WebhookError("body_too_large", `The request body is larger than the limit of ${limit} bytes.`);
}

/** Size units, each 1024 times the one before. */
const UNITS = ["b", "kb", "mb", "gb"];

/** Accepts a byte count or a size such as "512kb" or "1mb" (powers of 1024). */
export function parseSize(size: number | string): number {
  if (typeof size === "number") return size;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(size);
  if (!match) throw new TypeError(`Invalid size "${size}": use a byte count or e.g. "512kb", "1mb".`);
  return Math.floor(Number(match[1]) * 1024 ** UNITS.indexOf((match[2] ?? "b").toLowerCase()));
}
