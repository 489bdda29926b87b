import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { WireAnswer, WireRequest } from "./bad-input-table.js";

/** Sends a wire request to a server on 127.0.0.1, with Content-Length unless chunked; one connection each. */
export function sendOverHttp(port: number, path: string, wire: WireRequest): Promise<WireAnswer> {
  return new Promise((resolve, reject) => {
    const length = wire.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const headers: Record<string, string> = { ...wire.headers };
    if (wire.method !== "GET" && !wire.chunked) headers["content-length"] = String(length);
    let answered = false;
    const req = httpRequest({ host: "127.0.0.1", port, method: wire.method, path, headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"] ?? null, body: parseJson(text) });
      });
      res.on("error", reject);
    });
    // A refused body may meet a closed socket while it is still being written: the answer counts.
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    for (const chunk of wire.chunks) req.write(chunk);
    req.end();
  });
}

/** Sends a wire request as Node's own `Request`, streaming the body when chunked. */
export function toFetchRequest(url: string, wire: WireRequest): Request {
  if (wire.method === "GET") return new Request(url, { method: "GET", headers: wire.headers });
  const body = wire.chunked
    ? new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of wire.chunks) controller.enqueue(new Uint8Array(chunk));
          controller.close();
        },
      })
    : Buffer.concat(wire.chunks);
  const headers: Record<string, string> = { ...wire.headers };
  if (!wire.chunked) headers["content-length"] = String(body instanceof Buffer ? body.length : 0);
  return new Request(url, { method: wire.method, headers, body, duplex: "half" });
}

export async function fromResponse(response: Response): Promise<WireAnswer> {
  return { status: response.status, contentType: response.headers.get("content-type"), body: parseJson(await response.text()) };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The port a listening server got. */
export function portOf(address: AddressInfo | string | null): number {
  if (address === null || typeof address === "string") throw new Error("not listening on a port");
  return address.port;
}
