import { RedisScript } from "./redis-script.js";

// Every script gets KEYS[1..4] = failed, done, all (sorted sets of record keys) and
// providers (the set of providers with a pending index) and, where it touches one
// record, that record's hash as KEYS[5]. ARGV[1] is the prefix; a record's hash and a
// provider's pending index are named from it. All keys share the prefix's hash tag,
// so on Redis Cluster they live in one slot.
const helpers = `
local function record(key) return ARGV[1] .. ':record:' .. key end
local function pending(provider) return ARGV[1] .. ':pending:' .. provider end
`;

const script = (lua: string) => new RedisScript(helpers + lua);

/** ARGV: prefix, key, provider, leaseUntil, receivedAt, field, value, ... → 1 if added, 0 if a duplicate. */
export const addScript = script(`
if redis.call('EXISTS', KEYS[5]) == 1 then return 0 end
-- A pruned record's key may come back: drop what is left of it in the other indexes.
redis.call('ZREM', KEYS[1], ARGV[2])
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('HSET', KEYS[5], unpack(ARGV, 6))
redis.call('SADD', KEYS[4], ARGV[3])
redis.call('ZADD', pending(ARGV[3]), ARGV[4], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
return 1`);

/** ARGV: prefix, now, leaseUntil, limit, provider or '' (all) → the leased records' HGETALL replies. */
export const leaseScript = script(`
local limit = tonumber(ARGV[4])
local providers = ARGV[5] ~= '' and { ARGV[5] } or redis.call('SMEMBERS', KEYS[4])
local due = {}
for _, provider in ipairs(providers) do
  local found = redis.call('ZRANGEBYSCORE', pending(provider), '-inf', ARGV[2], 'WITHSCORES', 'LIMIT', 0, limit)
  for i = 1, #found, 2 do due[#due + 1] = { found[i], tonumber(found[i + 1]), provider } end
end
table.sort(due, function(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[1] < b[1]
end)
local leased = {}
for i = 1, math.min(limit, #due) do
  local key, index = due[i][1], pending(due[i][3])
  local hash = record(key)
  if redis.call('HGET', hash, 'status') == 'pending' then
    redis.call('HINCRBY', hash, 'attempts', 1)
    redis.call('HSET', hash, 'nextAttemptAt', ARGV[3], 'updatedAt', ARGV[2])
    redis.call('ZADD', index, ARGV[3], key)
    leased[#leased + 1] = redis.call('HGETALL', hash)
  else
    redis.call('ZREM', index, key)
  end
end
return leased`);

/** ARGV: prefix, key, now, retainMs, prune cutoff. Also drops up to 100 done records older than the cutoff. */
export const completeScript = script(`
local provider = redis.call('HGET', KEYS[5], 'provider')
if provider then
  redis.call('HSET', KEYS[5], 'status', 'done', 'nextAttemptAt', ARGV[3], 'updatedAt', ARGV[3])
  redis.call('PEXPIRE', KEYS[5], ARGV[4])
  redis.call('ZREM', pending(provider), ARGV[2])
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
end
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5], 'LIMIT', 0, 100)
for _, key in ipairs(old) do
  local status = redis.call('HGET', record(key), 'status')
  if not status or status == 'done' then
    redis.call('DEL', record(key))
    redis.call('ZREM', KEYS[3], key)
  end
  redis.call('ZREM', KEYS[2], key)
end
return 1`);

/** ARGV: prefix, key, new status, nextAttemptAt, error, now. Only a pending record changes. */
export const failScript = script(`
local f = redis.call('HMGET', KEYS[5], 'status', 'provider')
if f[1] ~= 'pending' then return 0 end
redis.call('HSET', KEYS[5], 'status', ARGV[3], 'nextAttemptAt', ARGV[4], 'lastError', ARGV[5], 'updatedAt', ARGV[6])
if ARGV[3] == 'pending' then
  redis.call('ZADD', pending(f[2]), ARGV[4], ARGV[2])
else
  redis.call('ZREM', pending(f[2]), ARGV[2])
  redis.call('ZADD', KEYS[1], ARGV[6], ARGV[2])
end
return 1`);

/** ARGV: prefix, now, key, ... → how many existed and were made pending. */
export const requeueScript = script(`
local n = 0
for i = 3, #ARGV do
  local key = ARGV[i]
  local f = redis.call('HMGET', record(key), 'status', 'provider')
  if f[1] then
    if f[1] == 'failed' then redis.call('HSET', record(key), 'attempts', 0) end
    redis.call('HSET', record(key), 'status', 'pending', 'nextAttemptAt', ARGV[2], 'updatedAt', ARGV[2])
    redis.call('PERSIST', record(key))
    redis.call('ZREM', KEYS[1], key)
    redis.call('ZREM', KEYS[2], key)
    redis.call('SADD', KEYS[4], f[2])
    redis.call('ZADD', pending(f[2]), ARGV[2], key)
    n = n + 1
  end
end
return n`);

/** ARGV: prefix, status or '', provider or '', before or '', key, ... → how many deleted (the filter is rechecked here). */
export const purgeScript = script(`
local n = 0
for i = 5, #ARGV do
  local key = ARGV[i]
  local f = redis.call('HMGET', record(key), 'status', 'provider', 'updatedAt')
  local gone = not f[1]
  if gone or ((ARGV[2] == '' or f[1] == ARGV[2]) and (ARGV[3] == '' or f[2] == ARGV[3])
      and (ARGV[4] == '' or tonumber(f[3]) < tonumber(ARGV[4]))) then
    redis.call('DEL', record(key))
    for j = 1, 3 do redis.call('ZREM', KEYS[j], key) end
    local providers = gone and redis.call('SMEMBERS', KEYS[4]) or { f[2] }
    for _, provider in ipairs(providers) do redis.call('ZREM', pending(provider), key) end
    if not gone then n = n + 1 end
  end
end
return n`);
