import { createRequire } from "node:module";
import { join } from "node:path";

/**
 * Loads an optional peer dependency as Node would for this package: from the
 * package's own location first (so an application's copy is found wherever the
 * process runs, pnpm's layout included), then from the working directory and the
 * running script (a CLI installed elsewhere, run inside the application). Resolves
 * undefined only when no copy is found; a copy that is there but fails to load (a
 * native module built for another Node) throws its own error.
 */
export function requirePeer(name: string): unknown {
  for (const base of peerBases()) {
    try {
      return createRequire(base)(name);
    } catch (error) {
      if (!isNotFound(error, name)) throw error;
    }
  }
  return undefined;
}

/** Where peers are looked up from, first to last. Exported for tests. */
export function peerBases(): string[] {
  const bases = [packageFile(), join(process.cwd(), "noop.js"), process.argv[1]];
  return [...new Set(bases.filter((base): base is string => base !== undefined))];
}

/** "Cannot find module '<name>'" itself, not a module it needs that is missing. */
function isNotFound(error: unknown, name: string): boolean {
  if (typeof error !== "object" || error === null || !("code" in error) || error.code !== "MODULE_NOT_FOUND") return false;
  return "message" in error && typeof error.message === "string" && error.message.startsWith(`Cannot find module '${name}'`);
}

/**
 * A file of this package. `__filename` in the CommonJS build (and under Jest); the ES
 * module build has no `__filename`, and `import.meta` would not compile to CommonJS,
 * so there the file is read off the call stack (a `file:` URL, which `createRequire`
 * accepts).
 */
function packageFile(): string | undefined {
  if (typeof __filename === "string") return __filename;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- a hook V8 calls itself, put back as it was
  const original = Error.prepareStackTrace;
  try {
    Error.prepareStackTrace = (_, stack) => stack;
    const stack = new Error().stack as unknown as NodeJS.CallSite[] | undefined;
    return stack?.[0]?.getFileName() ?? undefined;
  } catch {
    return undefined;
  } finally {
    Error.prepareStackTrace = original;
  }
}
