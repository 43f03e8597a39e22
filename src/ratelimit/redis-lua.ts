/**
 * The Lua side of the Redis rate limiter: the same integer-microsecond steps as algorithms.ts, run
 * atomically inside Redis. Time is the Redis server's (`TIME`), so the nodes' clocks never matter;
 * a caller-supplied time (tests, replays) replaces it when ARGV[4] is not empty. Both scripts answer
 * `{allowed (0|1), remaining, resetUs, retryUs, nowUs}` and keep keys only while they hold state.
 */

const NOW = `
if redis.replicate_commands then redis.replicate_commands() end
local now
if ARGV[4] ~= '' then
  now = tonumber(ARGV[4])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000000 + tonumber(t[2])
end`;

/** KEYS[1]: the TAT (µs). ARGV: interval µs, capacity µs, cost, now µs or ''. */
export const GCRA_LUA = `${NOW}
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local base = tonumber(redis.call('GET', KEYS[1]) or '0')
if base < now then base = now end
local tat = base + cost * interval
local allow_at = tat - capacity
if allow_at > now then
  return {0, math.floor((now + capacity - base) / interval), base - now, allow_at - now, now}
end
if cost > 0 then
  redis.call('SET', KEYS[1], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
end
return {1, math.floor((now + capacity - tat) / interval), tat - now, 0, now}
`;

/**
 * KEYS[1]: the log, a sorted set (score: admission µs, member: "<seq>:<cost>").
 * KEYS[2]: a hash {sum: cost in the window, seq: member counter, last: newest admission µs,
 *          weighted: present once an entry of cost > 1 was logged}.
 * ARGV: limit, period µs, cost, now µs or ''.
 *
 * Kept to a few Redis calls per hit (this script is most of what a Redis limit costs Redis): the
 * newest admission comes from the hash, not a ZRANGE; and while every logged entry costs 1 (what the
 * rate-limit policy sends) the expired entries are counted by ZREMRANGEBYSCORE alone, without
 * reading them back to add up their costs.
 */
export const SLIDING_LUA = `${NOW}
local limit = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local cutoff = string.format('%.0f', now - period)
local h = redis.call('HMGET', KEYS[2], 'sum', 'seq', 'last', 'weighted')
local sum = tonumber(h[1] or '0')
local seq = tonumber(h[2] or '0')
local last = tonumber(h[3] or '0')
local weighted = h[4] ~= false
if sum > 0 and h[3] == false then
  -- written by an earlier version of this script: no 'last', and costs may be above 1
  local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if #newest > 0 then last = tonumber(newest[2]) end
  weighted = true
end
local changed = false
if weighted then
  local expired = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  if #expired > 0 then
    for i = 1, #expired do sum = sum - tonumber(string.match(expired[i], ':(%d+)$')) end
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
    changed = true
  end
elseif sum > 0 then
  -- every entry costs 1: the number removed is the cost that left the window
  local removed = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', cutoff)
  if removed > 0 then
    sum = sum - removed
    changed = true
  end
end
local allowed = 0
local retry = 0
if sum + cost <= limit then
  allowed = 1
  if cost > 0 then
    seq = seq + 1
    redis.call('ZADD', KEYS[1], string.format('%.0f', now), string.format('%d:%d', seq, cost))
    sum = sum + cost
    if now > last then last = now end
    if cost > 1 then weighted = true end
    changed = true
  end
else
  local need = sum + cost - limit
  local first = redis.call('ZRANGE', KEYS[1], 0, need - 1, 'WITHSCORES')
  local freed = 0
  for i = 1, #first, 2 do
    freed = freed + tonumber(string.match(first[i], ':(%d+)$'))
    if freed >= need then
      retry = tonumber(first[i + 1]) + period - now
      break
    end
  end
end
local reset = 0
if sum > 0 then reset = last + period - now end
if allowed == 0 and retry == 0 then retry = reset end
if sum <= 0 then
  if h[1] then redis.call('DEL', KEYS[1], KEYS[2]) end
elseif changed then
  if weighted then
    redis.call('HSET', KEYS[2], 'sum', sum, 'seq', seq, 'last', string.format('%.0f', last), 'weighted', 1)
  else
    redis.call('HSET', KEYS[2], 'sum', sum, 'seq', seq, 'last', string.format('%.0f', last))
  end
  local ttl = math.ceil(reset / 1000)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return {allowed, limit - sum, reset, retry, now}
`;
