import { createHash } from "node:crypto";
import { errorMessage } from "./error-message.js";
import type { RedisClient } from "../stores/redis.js";

/**
 * A Lua script run with `EVALSHA`, falling back to `EVAL` when the server does not
 * have it cached yet (after a restart or a `SCRIPT FLUSH`). Redis runs a script as
 * one atomic step: no other client's command runs in between.
 */
export class RedisScript {
  readonly #lua: string;
  readonly #sha: string;

  constructor(lua: string) {
    this.#lua = lua;
    this.#sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(redis: RedisClient, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await redis.call("EVALSHA", this.#sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!errorMessage(error).startsWith("NOSCRIPT")) throw error;
      return redis.call("EVAL", this.#lua, keys.length, ...keys, ...args);
    }
  }
}
