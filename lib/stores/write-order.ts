/** One write of a key: its place in the order, told apart from later writes of it by `write`. */
export interface Slot {
  readonly key: string;
  readonly write: number;
}

/** Below this many slots the queue is never compacted: not worth a pass. */
const MIN_COMPACT = 1024;

/**
 * Keys in the order they were written, oldest first, for a store that evicts the least
 * recently written. Kept beside the store's Map rather than read from it: finding a Map's
 * oldest key (`keys().next()`) walks past every key deleted before it, which under
 * steady churn grows with the deleted keys (BENCHMARKS.md). A key written again leaves a stale
 * slot behind; the store tells which slots are current.
 */
export class WriteOrder {
  #slots: Slot[] = [];
  #head = 0;

  /** Slots held, taken and stale ones included: what the queue keeps in memory. */
  get length(): number {
    return this.#slots.length;
  }

  push(slot: Slot): void {
    this.#slots.push(slot);
  }

  /** Takes the oldest slot, current or not; undefined when none is left. */
  shift(): Slot | undefined {
    return this.#slots[this.#head++];
  }

  /**
   * Drops taken and stale slots once the queue holds more than twice the live keys, so
   * its memory stays proportional to the store's: amortized O(1) per write.
   */
  compact(live: number, isCurrent: (slot: Slot) => boolean): void {
    if (this.#slots.length <= Math.max(MIN_COMPACT, 2 * live)) return;
    this.#slots = this.#slots.slice(this.#head).filter(isCurrent);
    this.#head = 0;
  }
}
