import { RedisScript } from "./redis-script.js";

// Every script gets the four indexes as KEYS[1..4] (pending, failed, done, all) and, where
// it touches one record, its hash as KEYS[5]. Index members are record keys; a record's
// hash is ARGV's prefix + key. All keys share the prefix's hash tag, so Cluster is fine.

/** ARGV: key, leaseUntil, receivedAt, field, value, ... → 1 if added, 0 if a duplicate. */
export const addScript = new RedisScript(`
if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
-- A pruned record's key may come back: drop what is left of it in the other indexes.
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HSET', KEYS[5], unpack(ARGV, 4))
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[4], ARGV[3], ARGV[1])
return 1`);

/** ARGV: hash prefix, now, leaseUntil, limit → the leased records' HGETALL replies. */
export const leaseScript = new RedisScript(`
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2], 'LIMIT', 0, tonumber(ARGV[4]))
local leased = {}
for _, key in ipairs(due) do
  local hash = ARGV[1] .. key
  if redis.call('HGET', hash, 'status') == 'pending' then
    redis.call('HINCRBY', hash, 'attempts', 1)
    redis.call('HSET', hash, 'nextAttemptAt', ARGV[3], 'updatedAt', ARGV[2])
    redis.call('ZADD', KEYS[1], ARGV[3], key)
    leased[#leased + 1] = redis.call('HGETALL', hash)
  else
    redis.call('ZREM', KEYS[1], key)
  end
end
return leased`);

/** ARGV: key, now, retainMs, prune cutoff, hash prefix. Drops up to 100 done records older than the cutoff. */
export const completeScript = new RedisScript(`
if redis.call('EXISTS', KEYS[5]) == 1 then
  redis.call('HSET', KEYS[5], 'status', 'done', 'nextAttemptAt', ARGV[2], 'updatedAt', ARGV[2])
  redis.call('PEXPIRE', KEYS[5], ARGV[3])
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
end
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4], 'LIMIT', 0, 100)
for _, key in ipairs(old) do
  local status = redis.call('HGET', ARGV[5] .. key, 'status')
  if not status or status == 'done' then
    redis.call('DEL', ARGV[5] .. key)
    redis.call('ZREM', KEYS[4], key)
  end
  redis.call('ZREM', KEYS[3], key)
end
return 1`);

/** ARGV: key, new status, nextAttemptAt, error, now. Only a pending record changes. */
export const failScript = new RedisScript(`
if redis.call('HGET', KEYS[5], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[5], 'status', ARGV[2], 'nextAttemptAt', ARGV[3], 'lastError', ARGV[4], 'updatedAt', ARGV[5])
if ARGV[2] == 'pending' then
  redis.call('ZADD', KEYS[1], ARGV[3], ARGV[1])
else
  redis.call('ZREM', KEYS[1], ARGV[1])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
end
return 1`);

/** ARGV: hash prefix, now, key, ... → how many existed and were made pending. */
export const requeueScript = new RedisScript(`
local n = 0
for i = 3, #ARGV do
  local key = ARGV[i]
  local hash = ARGV[1] .. key
  local status = redis.call('HGET', hash, 'status')
  if status then
    if status == 'failed' then redis.call('HSET', hash, 'attempts', 0) end
    redis.call('HSET', hash, 'status', 'pending', 'nextAttemptAt', ARGV[2], 'updatedAt', ARGV[2])
    redis.call('PERSIST', hash)
    redis.call('ZREM', KEYS[2], key)
    redis.call('ZREM', KEYS[3], key)
    redis.call('ZADD', KEYS[1], ARGV[2], key)
    n = n + 1
  end
end
return n`);

/** ARGV: hash prefix, status|'', provider|'', before|'', key, ... → how many deleted (filter rechecked here). */
export const purgeScript = new RedisScript(`
local n = 0
for i = 5, #ARGV do
  local key = ARGV[i]
  local f = redis.call('HMGET', ARGV[1] .. key, 'status', 'provider', 'updatedAt')
  local gone = not f[1]
  if gone or ((ARGV[2] == '' or f[1] == ARGV[2]) and (ARGV[3] == '' or f[2] == ARGV[3])
      and (ARGV[4] == '' or tonumber(f[3]) < tonumber(ARGV[4]))) then
    redis.call('DEL', ARGV[1] .. key)
    for j = 1, 4 do redis.call('ZREM', KEYS[j], key) end
    if not gone then n = n + 1 end
  end
end
return n`);
