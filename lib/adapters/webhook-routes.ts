import type { WebhookReceiver } from "../core/receiver.js";
import type { EventSchemas } from "../core/protocol.js";

/** What a path is mounted to: any receiver (`receive` is all the doors need). */
export type MountableReceiver = Pick<WebhookReceiver<string, EventSchemas, unknown>, "receive">;

/** Receivers by the exact path each answers, e.g. `{ "/hooks/misskey": misskey }`. */
export type WebhookRoutes = Readonly<Record<string, MountableReceiver>>;

/**
 * Checks the routes once, at start-up, and builds a door for each path. A path is
 * matched exactly (no trailing slash, no parameters): it is a webhook URL given to a
 * provider, not a pattern.
 */
export function compileWebhookRoutes<D>(routes: WebhookRoutes, factory: string, door: (receiver: MountableReceiver) => D): Map<string, D> {
  if (typeof (routes as unknown) !== "object" || (routes as unknown) === null)
    throw new TypeError(`${factory}: routes must be an object of paths to receivers.`);
  const doors = new Map<string, D>();
  for (const [path, receiver] of Object.entries(routes)) {
    if (!path.startsWith("/") || path.includes("?") || path.includes("#")) {
      throw new TypeError(`${factory}: path "${path.slice(0, 100)}" must start with "/" and hold no query or fragment.`);
    }
    if (typeof (receiver as Partial<MountableReceiver> | undefined)?.receive !== "function") {
      throw new TypeError(`${factory}: "${path}" must map to a receiver (e.g. createMisskeyReceiver(...)).`);
    }
    doors.set(path, door(receiver));
  }
  if (doors.size === 0) throw new TypeError(`${factory}: give at least one path, e.g. { "/hooks/misskey": misskey }.`);
  return doors;
}

/** The path of a request URL (absolute or not), without its query or fragment. */
export function requestPath(url: string): string {
  const end = url.search(/[?#]/);
  const path = end === -1 ? url : url.slice(0, end);
  if (path.startsWith("/")) return path;
  // An absolute URL (fetch): skip "scheme://host".
  const slash = path.indexOf("/", path.indexOf("//") + 2);
  return slash === -1 ? "/" : path.slice(slash);
}
