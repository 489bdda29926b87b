// GET /events: the log as server-sent events. A new page gets the recent entries first;
// a reconnecting one (Last-Event-ID) only what it missed.

const HEARTBEAT_MS = 20_000;

/** An Express handler streaming `log` entries as SSE `entry` messages. */
export function eventStream(log, { replay = 50 } = {}) {
  return (req, res) => {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      // Keeps proxies (nginx) from buffering the stream.
      "x-accel-buffering": "no",
    });
    const send = (entry) => res.write(`id: ${entry.seq}\nevent: entry\ndata: ${JSON.stringify(entry)}\n\n`);
    const lastSeen = Number(req.get("last-event-id"));
    res.write("retry: 2000\n\n");
    for (const entry of log.recent(replay, Number.isInteger(lastSeen) ? lastSeen : 0)) send(entry);
    res.write("event: ready\ndata: {}\n\n");

    const unsubscribe = log.subscribe(send);
    const heartbeat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
    heartbeat.unref();
    req.on("close", () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  };
}
