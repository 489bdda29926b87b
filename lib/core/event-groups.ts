/**
 * Characters that end an object name inside an event name: OK SKY's `Message.create`,
 * OneInbox's `call.recording.available`, and `:` / `/` for names built that way.
 */
const SEPARATORS = new Set([".", ":", "/"]);

type Separator = "." | ":" | "/";

/**
 * Every group the event names `K` make: each prefix of a name that ends at a separator,
 * followed by `*` (`"Message.*"`, `"call.*"`, `"call.recording.*"`). Names without a
 * separator (Misskey's `note`) make none.
 */
export type EventGroup<K extends string> = K extends string ? GroupsIn<K, "", never> : never;

// Tail-recursive (one character a step) so that long names stay far from the depth limit.
type GroupsIn<Rest extends string, Done extends string, Found extends string> = Rest extends `${infer C}${infer Tail}`
  ? GroupsIn<Tail, `${Done}${C}`, C extends Separator ? Found | `${Done}${C}*` : Found>
  : Found;

/** What `on()` and `off()` take: a known event name, a group of them (`"Message.*"`), or `"*"` for every event. */
export type EventPattern<K extends string> = K | EventGroup<K> | "*";

/** The names of `K` that the group `G` (`"Message.*"`) stands for. */
export type NamesInGroup<K extends string, G extends string> = G extends `${infer Prefix}*` ? Extract<K, `${Prefix}${string}`> : never;

/**
 * The prefix a group pattern matches (`"Message.*"` → `"Message."`), `""` for `"*"`, and
 * undefined for anything that is not a group (an event name, or a `*` not after a separator).
 */
export function groupPrefix(pattern: string): string | undefined {
  if (pattern === "*") return "";
  if (!pattern.endsWith("*")) return undefined;
  const prefix = pattern.slice(0, -1);
  return SEPARATORS.has(prefix.slice(-1)) && !prefix.includes("*") ? prefix : undefined;
}
