// Turns each request to a hook into one log entry: what was answered, how fast, and the
// event or refusal behind it. The receiver emits events and errors deep inside its own
// async pipeline; AsyncLocalStorage ties them back to the request that caused them.
import { AsyncLocalStorage } from "node:async_hooks";
import { performance } from "node:perf_hooks";

const currentRequest = new AsyncLocalStorage();

/**
 * An Express middleware running `receiver.router` and calling `onDone(entry)` once the
 * answer is sent (or the connection is gone).
 */
export function trackDeliveries(provider, receiver, onDone) {
  receiver.onAny((event) => {
    const request = currentRequest.getStore();
    if (request) request.event = event;
    // No request behind it: a queue's worker running what an ingest answered earlier.
    else onDone({ ...toEntry(provider, { event }, null, 0), via: "worker" });
  });
  receiver.onError((error) => {
    const request = currentRequest.getStore();
    // The first error is the reason; later ones (e.g. a listener after a timeout) are noise here.
    if (request) request.error ??= error;
  });

  return (req, res, next) => {
    const request = { started: performance.now(), event: undefined, error: undefined, answer: undefined };
    // The answer's body tells a duplicate from a delivery handed to a queue: neither ran a listener here.
    const end = res.end;
    res.end = function (chunk, ...rest) {
      request.answer = chunk;
      return end.call(this, chunk, ...rest);
    };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      const status = res.writableFinished ? res.statusCode : undefined;
      onDone(toEntry(provider, request, status, performance.now() - request.started));
    };
    res.once("finish", finish);
    res.once("close", finish);
    currentRequest.run(request, () => receiver.router(req, res, next));
  };
}

function outcomeOf(status, event, error, answer) {
  if (status === null) return "accepted";
  if (status === undefined || status >= 400) return "rejected";
  if (error) return "failed"; // acknowledged (the provider never resends) but not delivered
  if (event) return "accepted";
  return String(answer ?? "").includes('"duplicate":true') ? "duplicate" : "queued";
}

function toEntry(provider, { event, error, answer }, status, latencyMs) {
  const identified = event ?? error?.event;
  const entry = {
    provider,
    status: status ?? null,
    latencyMs: Math.round(latencyMs * 10) / 10,
    outcome: outcomeOf(status, event, error, answer),
    name: identified?.name,
    id: identified?.id,
    known: identified?.known,
    // Misskey's meta.software: which Misskey-compatible server sent it.
    software: identified?.meta?.software,
    payload: event ? event.payload : error?.payload,
  };
  if (error) {
    entry.reason = error.code;
    entry.message = error.message;
    if (error.issues) entry.issues = error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  } else if (status === undefined) {
    entry.reason = "connection_closed";
  } else if (status >= 400) {
    entry.reason = status === 404 ? "not_found" : `http_${status}`;
  }
  return entry;
}
