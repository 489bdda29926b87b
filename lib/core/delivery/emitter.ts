import type { WebhookError } from "../errors.js";
import type { WebhookEventBase } from "../types.js";

export type Listener<E> = (event: E) => unknown;
export type ErrorListener = (error: WebhookError) => unknown;

/**
 * Listeners by event name, plus catch-all and error listeners. Kept free of typing
 * concerns: the receiver's public methods carry the per-provider types.
 */
export class Emitter {
  readonly #byName = new Map<string, Set<Listener<WebhookEventBase>>>();
  readonly #any = new Set<Listener<WebhookEventBase>>();
  readonly #errors = new Set<ErrorListener>();

  on(names: string | readonly string[], listener: Listener<WebhookEventBase>): void {
    for (const name of typeof names === "string" ? [names] : names) {
      let set = this.#byName.get(name);
      if (!set) this.#byName.set(name, (set = new Set()));
      set.add(listener);
    }
  }

  onAny(listener: Listener<WebhookEventBase>): void {
    this.#any.add(listener);
  }

  onError(listener: ErrorListener): void {
    this.#errors.add(listener);
  }

  /** Removes a listener from the given names, or (no names) from everywhere it was added. */
  off(names: string | readonly string[] | undefined, listener: Listener<never>): void {
    const fn = listener as Listener<WebhookEventBase>;
    if (names === undefined) {
      for (const set of this.#byName.values()) set.delete(fn);
      this.#any.delete(fn);
      this.#errors.delete(fn as unknown as ErrorListener);
      return;
    }
    for (const name of typeof names === "string" ? [names] : names) this.#byName.get(name)?.delete(fn);
  }

  /** The listeners an event goes to: its name's (known events only), then catch-alls. */
  listenersFor(event: WebhookEventBase): Listener<WebhookEventBase>[] {
    const named = event.known ? this.#byName.get(event.name) : undefined;
    return named ? [...named, ...this.#any] : [...this.#any];
  }

  get errorListeners(): ReadonlySet<ErrorListener> {
    return this.#errors;
  }
}
