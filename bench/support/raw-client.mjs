// Hostile clients, written on raw sockets so they can do what HTTP libraries will not:
// declare or stream far more than the limit, or drip a body byte by byte.
import net from "node:net";

const CHUNK = Buffer.alloc(64 * 1024, "a");

/**
 * Sends one POST and resolves with what came back: the status code (undefined if the
 * connection ended without an answer), when, and how many body bytes went out first.
 *
 * body: { bytes, chunked } streams `bytes` as fast as the socket takes them (chunked:
 * without Content-Length); body: { bytes, dripEveryMs } declares `bytes` and sends one
 * byte per tick. Gives up (and closes) after `deadlineMs`.
 */
export function rawPost({ port, path, headers, body, deadlineMs }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ host: "127.0.0.1", port });
    let sent = 0;
    let status;
    let answeredAfterMs;
    let error;
    let response = "";
    let timer;
    let drip;

    const finish = () => {
      clearTimeout(timer);
      clearInterval(drip);
      resolve({ status, answeredAfterMs, sent, error });
    };
    timer = setTimeout(() => {
      error ??= "no answer before the deadline";
      socket.destroy();
    }, deadlineMs);

    socket.on("data", (data) => {
      if (status !== undefined) return;
      response += data.toString("latin1");
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(response);
      if (match) {
        status = Number(match[1]);
        answeredAfterMs = Date.now() - started;
        clearInterval(drip);
        // Got the answer: stop sending; the server closes when it refused mid-body.
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      }
    });
    socket.on("error", (cause) => {
      error = cause.code ?? cause.message;
    });
    socket.on("close", finish);

    const head = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body.chunked) head.push("Transfer-Encoding: chunked");
    else head.push(`Content-Length: ${body.bytes}`);
    socket.write(head.join("\r\n") + "\r\n\r\n");

    if (body.dripEveryMs) {
      drip = setInterval(() => {
        if (status !== undefined || sent >= body.bytes || socket.destroyed) return clearInterval(drip);
        socket.write("a");
        sent += 1;
      }, body.dripEveryMs);
      return;
    }
    const pump = () => {
      while (status === undefined && sent < body.bytes && !socket.destroyed) {
        const size = Math.min(CHUNK.length, body.bytes - sent);
        const piece = size === CHUNK.length ? CHUNK : CHUNK.subarray(0, size);
        const ok = body.chunked
          ? socket.write(`${size.toString(16)}\r\n`) && socket.write(piece) && socket.write("\r\n")
          : socket.write(piece);
        sent += size;
        if (!ok) return socket.once("drain", pump);
      }
      if (body.chunked && sent >= body.bytes && !socket.destroyed) socket.write("0\r\n\r\n");
    };
    socket.once("connect", pump);
  });
}
