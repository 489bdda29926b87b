/** The URL without its password (in the user part or a `password` parameter), for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.toString();
  } catch {
    // Not a URL (a libpq "key=value" string may hold a password too): never echoed.
    return "the given URL";
  }
}
