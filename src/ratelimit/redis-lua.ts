/**
 * The Lua side of the Redis rate limiter: the same integer-microsecond steps as algorithms.ts, run
 * atomically inside Redis. Time is the Redis server's (`TIME`), so the nodes' clocks never matter;
 * a caller-supplied time (tests, replays) replaces it for a hit whose `now` argument is not empty.
 *
 * One call carries every hit a node made in one event-loop turn (redis.ts batches them): hit i's keys
 * and arguments follow hit i-1's, the hits are applied in order, and the answer is five integers per
 * hit, `allowed (0|1), remaining, resetUs, retryUs, nowUs`. A call per hit cost Redis and the node
 * each about twice as much per hit: the call itself (parsing, dispatch, starting the script), not the
 * few commands inside, was most of it. Both scripts keep keys only while they hold state; the keys'
 * layout is the one the one-hit scripts of earlier versions used, so nodes of both can share a Redis.
 */

/** `now_of(arg)`: the hit's own time when given, else the Redis clock, read once per call. */
const CLOCK = `
if redis.replicate_commands then redis.replicate_commands() end
local clock
local function now_of(arg)
  if arg ~= '' then return tonumber(arg) end
  if clock == nil then
    local t = redis.call('TIME')
    clock = tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  return clock
end
local out = {}`;

/** Per hit i, KEYS[i]: the TAT (µs). ARGV[4i-3..4i]: interval µs, capacity µs, cost, now µs or ''. */
export const GCRA_LUA = `${CLOCK}
for i = 1, #KEYS do
  local a = (i - 1) * 4
  local interval = tonumber(ARGV[a + 1])
  local capacity = tonumber(ARGV[a + 2])
  local cost = tonumber(ARGV[a + 3])
  local now = now_of(ARGV[a + 4])
  local base = tonumber(redis.call('GET', KEYS[i]) or '0')
  if base < now then base = now end
  local tat = base + cost * interval
  local allow_at = tat - capacity
  local n = #out
  if allow_at > now then
    out[n + 1] = 0
    out[n + 2] = math.floor((now + capacity - base) / interval)
    out[n + 3] = base - now
    out[n + 4] = allow_at - now
  else
    if cost > 0 then
      redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
    end
    out[n + 1] = 1
    out[n + 2] = math.floor((now + capacity - tat) / interval)
    out[n + 3] = tat - now
    out[n + 4] = 0
  end
  out[n + 5] = now
end
return out
`;

/**
 * Per hit i, KEYS[2i-1]: the log, a sorted set (score: admission µs, member: "<seq>:<cost>");
 * KEYS[2i]: a hash {sum: cost in the window, seq: member counter, last: newest admission µs,
 *           weighted: present once an entry of cost > 1 was logged}.
 * ARGV[4i-3..4i]: limit, period µs, cost, now µs or ''.
 *
 * Kept to a few Redis calls per hit (this script is most of what a Redis limit costs Redis): the
 * newest admission comes from the hash, not a ZRANGE; and while every logged entry costs 1 (what the
 * rate-limit policy sends) the expired entries are counted by ZREMRANGEBYSCORE alone, without
 * reading them back to add up their costs.
 */
export const SLIDING_LUA = `${CLOCK}
local function hit(log, counts, limit, period, cost, now)
  local cutoff = string.format('%.0f', now - period)
  local h = redis.call('HMGET', counts, 'sum', 'seq', 'last', 'weighted')
  local sum = tonumber(h[1] or '0')
  local seq = tonumber(h[2] or '0')
  local last = tonumber(h[3] or '0')
  local weighted = h[4] ~= false
  if sum > 0 and h[3] == false then
    -- written by an earlier version of this script: no 'last', and costs may be above 1
    local newest = redis.call('ZRANGE', log, -1, -1, 'WITHSCORES')
    if #newest > 0 then last = tonumber(newest[2]) end
    weighted = true
  end
  local changed = false
  if weighted then
    local expired = redis.call('ZRANGEBYSCORE', log, '-inf', cutoff)
    if #expired > 0 then
      for i = 1, #expired do sum = sum - tonumber(string.match(expired[i], ':(%d+)$')) end
      redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
      changed = true
    end
  elseif sum > 0 then
    -- every entry costs 1: the number removed is the cost that left the window
    local removed = redis.call('ZREMRANGEBYSCORE', log, '-inf', cutoff)
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
      redis.call('ZADD', log, string.format('%.0f', now), string.format('%d:%d', seq, cost))
      sum = sum + cost
      if now > last then last = now end
      if cost > 1 then weighted = true end
      changed = true
    end
  else
    local need = sum + cost - limit
    local first = redis.call('ZRANGE', log, 0, need - 1, 'WITHSCORES')
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
    if h[1] then redis.call('DEL', log, counts) end
  elseif changed then
    if weighted then
      redis.call('HSET', counts, 'sum', sum, 'seq', seq, 'last', string.format('%.0f', last), 'weighted', 1)
    else
      redis.call('HSET', counts, 'sum', sum, 'seq', seq, 'last', string.format('%.0f', last))
    end
    local ttl = math.ceil(reset / 1000)
    redis.call('PEXPIRE', log, ttl)
    redis.call('PEXPIRE', counts, ttl)
  end
  return allowed, limit - sum, reset, retry
end
for i = 1, #KEYS / 2 do
  local a = (i - 1) * 4
  local now = now_of(ARGV[a + 4])
  local allowed, remaining, reset, retry = hit(KEYS[2 * i - 1], KEYS[2 * i], tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), now)
  local n = #out
  out[n + 1] = allowed
  out[n + 2] = remaining
  out[n + 3] = reset
  out[n + 4] = retry
  out[n + 5] = now
end
return out
`;
