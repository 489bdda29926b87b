import net from "node:net";

/** The first response read off a socket, or none (the server closed or stayed silent). */
export type RawAnswer = { status: number; headers: Record<string, string>; body: string } | undefined;

function parseResponse(data: Buffer): RawAnswer | "incomplete" {
  const end = data.indexOf("\r\n\r\n");
  if (end === -1) return "incomplete";
  const [statusLine = "", ...lines] = data.subarray(0, end).toString("latin1").split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers["content-length"] ?? "0");
  const body = data.subarray(end + 4);
  if (body.length < length) return "incomplete";
  return { status, headers, body: body.subarray(0, length).toString("utf8") };
}

/**
 * Writes raw request bytes (in the chunks given) to a server, half-closes, and reads the
 * first response. Lets a test send what no HTTP client would: lying Content-Length,
 * repeated and oddly cased headers, hand-made chunked framing.
 */
export function rawExchange(port: number, chunks: readonly Buffer[], timeoutMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const received: Buffer[] = [];
    const socket = net.connect(port, "127.0.0.1");
    let done = false;
    const finish = (answer: RawAnswer): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => {
      finish(undefined);
    }, timeoutMs);
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      const parsed = parseResponse(Buffer.concat(received));
      if (parsed !== "incomplete") finish(parsed);
    });
    socket.on("error", () => {
      finish(undefined);
    });
    socket.on("close", () => {
      const parsed = parseResponse(Buffer.concat(received));
      finish(parsed === "incomplete" ? undefined : parsed);
    });
    socket.on("connect", () => {
      for (const chunk of chunks) socket.write(chunk);
      socket.end();
    });
  });
}

/** A request's head: request line and header lines exactly as given (names keep their case). */
export function requestHead(path: string, headers: readonly (readonly [string, string])[]): Buffer {
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join("")}\r\n`,
    "latin1",
  );
}

/** A body in chunked transfer coding, cut into the given pieces. */
export function chunkedBody(pieces: readonly Buffer[]): Buffer {
  const parts = pieces
    .filter((piece) => piece.length > 0)
    .map((piece) => Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]));
  return Buffer.concat([...parts, Buffer.from("0\r\n\r\n")]);
}
