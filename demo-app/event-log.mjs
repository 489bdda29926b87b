// The demo's memory of recent deliveries: a bounded list the live page replays, and
// subscribers told of each new entry (the SSE stream, the console).

const MAX_PAYLOAD_CHARS = 64 * 1024;

/** Buffers (multipart files) become a size note; huge payloads a truncation note. */
function displayable(payload) {
  if (payload === undefined) return undefined;
  const json = JSON.stringify(payload, (_key, value) =>
    value && value.type === "Buffer" && Array.isArray(value.data) ? `<${value.data.length} bytes>` : value,
  );
  if (json === undefined) return undefined;
  if (json.length > MAX_PAYLOAD_CHARS) return `(payload of ${json.length} characters, not shown)`;
  return JSON.parse(json);
}

/** Recent entries plus change notifications. */
export class EventLog {
  #entries = [];
  #seq = 0;
  #subscribers = new Set();

  /** @param {number} capacity how many entries are kept for replay */
  constructor(capacity = 200) {
    this.capacity = capacity;
  }

  /** Stores an entry, numbering and time-stamping it, and tells every subscriber. */
  add(entry) {
    const stored = { seq: ++this.#seq, at: new Date().toISOString(), ...entry, payload: displayable(entry.payload) };
    this.#entries.push(stored);
    if (this.#entries.length > this.capacity) this.#entries.shift();
    for (const subscriber of this.#subscribers) subscriber(stored);
    return stored;
  }

  /** The last `limit` entries after sequence number `afterSeq`, oldest first. */
  recent(limit = this.capacity, afterSeq = 0) {
    return this.#entries.filter((entry) => entry.seq > afterSeq).slice(-limit);
  }

  /** Calls `fn` with every new entry; returns the unsubscribe function. */
  subscribe(fn) {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }
}
