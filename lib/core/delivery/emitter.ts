import type { WebhookError } from "../errors.js";
import { groupPrefix } from "../event-groups.js";
import type { WebhookEventBase } from "../types.js";

export type Listener<E> = (event: E) => unknown;
export type ErrorListener = (error: WebhookError) => unknown;

/**
 * Listeners by event name, by group (`"Message.*"`), plus catch-all and error listeners.
 * Kept free of typing concerns: the receiver's public methods carry the per-provider
 * types and check that a name or group exists.
 */
export class Emitter {
  readonly #byName = new Map<string, Set<Listener<WebhookEventBase>>>();
  /** By prefix (`"Message."`), longest first: the most specific group is called first. */
  #byGroup = new Map<string, Set<Listener<WebhookEventBase>>>();
  readonly #any = new Set<Listener<WebhookEventBase>>();
  readonly #errors = new Set<ErrorListener>();

  /** Adds a listener to event names, groups (`"Message.*"`) or `"*"` (the same as onAny). */
  on(patterns: string | readonly string[], listener: Listener<WebhookEventBase>): void {
    for (const pattern of typeof patterns === "string" ? [patterns] : patterns) this.#setFor(pattern, true)?.add(listener);
  }

  onAny(listener: Listener<WebhookEventBase>): void {
    this.#any.add(listener);
  }

  onError(listener: ErrorListener): void {
    this.#errors.add(listener);
  }

  /** Removes a listener from the given names or groups, or (no names) from everywhere it was added. */
  off(patterns: string | readonly string[] | undefined, listener: Listener<never>): void {
    const fn = listener as Listener<WebhookEventBase>;
    if (patterns === undefined) {
      for (const set of this.#byName.values()) set.delete(fn);
      for (const set of this.#byGroup.values()) set.delete(fn);
      this.#any.delete(fn);
      this.#errors.delete(fn as unknown as ErrorListener);
      return;
    }
    for (const pattern of typeof patterns === "string" ? [patterns] : patterns) this.#setFor(pattern, false)?.delete(fn);
  }

  /**
   * The listeners an event goes to, one call per registration: its name's, then its
   * groups' (most specific first), then catch-alls. Names and groups: known events only.
   */
  listenersFor(event: WebhookEventBase): Listener<WebhookEventBase>[] {
    if (!event.known) return [...this.#any];
    const named = this.#byName.get(event.name);
    if (this.#byGroup.size === 0) return named ? [...named, ...this.#any] : [...this.#any];
    const listeners = named ? [...named] : [];
    for (const [prefix, set] of this.#byGroup) if (event.name.startsWith(prefix)) listeners.push(...set);
    listeners.push(...this.#any);
    return listeners;
  }

  get errorListeners(): ReadonlySet<ErrorListener> {
    return this.#errors;
  }

  #setFor(pattern: string, create: boolean): Set<Listener<WebhookEventBase>> | undefined {
    const prefix = groupPrefix(pattern);
    if (prefix === "") return this.#any;
    const map = prefix === undefined ? this.#byName : this.#byGroup;
    const key = prefix ?? pattern;
    let set = map.get(key);
    if (!set && create) {
      set = new Set();
      map.set(key, set);
      // Rebuilt rarely (a new group at start-up), so the hot path just walks it in order.
      if (prefix !== undefined) this.#byGroup = new Map([...this.#byGroup].sort(([a], [b]) => b.length - a.length));
    }
    return set;
  }
}
