/**
 * The Lua scripts of the Redis backend. Each runs atomically on the server, so
 * every state change that more than one API replica could race on (a result
 * landing, a cancel, a lease expiring, a deadline passing, a session sliding,
 * an audit entry joining the chain, a chunk of output joining its stream)
 * happens in one step.
 *
 * Command scripts share one KEYS/ARGV layout ({@link commandKeys} in
 * queue.ts) and one `resolve()` that writes the result at most once: the
 * result key is the single source of truth for "this command is done".
 * Numbers that do not fit 14 significant digits are passed as strings, since
 * Lua formats numbers with %.14g.
 *
 * ioredis sends a command again after a reconnect when its reply was lost, so
 * a script may run twice for one call. Where the second run would report a
 * conflict with the first (push, complete, cancel, creating a session or an
 * API key, the first agent token, an audit append) it recognizes its own
 * write (a nonce, or the very value already stored) and answers like the first.
 * A re-sent stream append answers `appended: false`, its chunk stored once; a
 * re-sent complete answers 'again', and its caller leaves the audit entry to
 * the outbox (the first run marked the result), so it is written once.
 */

/**
 * Per-command KEYS: 1 command hash, 2 result, 3 lease hash, 4 BullMQ job lock,
 * 5 BullMQ job hash, 6 lease-expiry zset, 7 deadline zset, 8 queue registry,
 * 9 the audit outbox (a zset of command ids scored by when their mark was set).
 * ARGV: 1 command id, 2 zset member, 3 channel, 4 result TTL ms, 5 now (ms).
 */
const COMMAND_PRELUDE = `
local rcall = redis.call
local id, member, channel, ttl, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
-- Stores the result (first writer wins: callers check KEYS[2] first), keeps the
-- command readable as long as the result, ends the lease and wakes awaiters.
-- unaudited: marks it in the outbox in the same step (all but a cancel), and
-- drops marks older than a TTL, whose results are gone, so the outbox stays bounded.
local function resolve(result, unaudited)
  rcall('SET', KEYS[2], result, 'PX', ttl)
  rcall('PEXPIRE', KEYS[1], ttl)
  rcall('DEL', KEYS[3], KEYS[4])
  rcall('ZREM', KEYS[6], member)
  rcall('ZREM', KEYS[7], member)
  if unaudited then
    rcall('ZADD', KEYS[9], now, id)
    rcall('ZREMRANGEBYSCORE', KEYS[9], '-inf', '(' .. (now - tonumber(ttl)))
  end
  rcall('PUBLISH', channel, 'r:' .. id)
end
local function done()
  return rcall('EXISTS', KEYS[1]) == 0 or rcall('EXISTS', KEYS[2]) == 1
end
`;

/** One script: its KEYS count and source. */
export interface LuaScript {
  keys: number;
  lua: string;
}

const command = (body: string): LuaScript => ({ keys: 9, lua: COMMAND_PRELUDE + body });

/** Lua `same(from)`: true when the hash KEYS[1] holds every field/value pair of ARGV from index `from` on (the same record, written again). */
const SAME_RECORD = `
local function same(from)
  for i = from, #ARGV, 2 do
    if redis.call('HGET', KEYS[1], ARGV[i]) ~= ARGV[i + 1] then return false end
  end
  return true
end
`;

export const SCRIPTS = {
  /**
   * Registers a command. ARGV 6 command JSON, 7 cluster, 8 BullMQ job id,
   * 9 deadline, 10 timeoutMs, 11 the DEADLINE_EXCEEDED result (used when the
   * deadline has already passed), 12 the call's nonce. Returns 0 (id known),
   * 1 (queue it), 2 (resolved at once: past its deadline).
   */
  push: command(`
if rcall('EXISTS', KEYS[1]) == 1 then
  if rcall('HGET', KEYS[1], 'n') ~= ARGV[12] then return 0 end
  if rcall('EXISTS', KEYS[2]) == 1 then return 2 end
  return 1
end
rcall('DEL', KEYS[2], KEYS[3])
rcall('HSET', KEYS[1], 'c', ARGV[6], 'k', ARGV[7], 'j', ARGV[8], 'd', ARGV[9], 't', ARGV[10], 'n', ARGV[12])
rcall('SADD', KEYS[8], ARGV[7])
if tonumber(ARGV[9]) <= now then
  resolve(ARGV[11], true)
  return 2
end
rcall('ZADD', KEYS[7], ARGV[9], member)
return 1
`),

  /**
   * Turns a job BullMQ just moved to active (locked with ARGV 6) into a lease
   * ending at ARGV 7 (epoch ms), ARGV 8 ms from now, for agent ARGV 9.
   * Returns {'ok', attempt}, or 'drop' (already resolved or unknown), 'skip'
   * (someone else holds it now), 'lost' (BullMQ gave up on it after repeated
   * stalls), 'expired' (past its deadline).
   */
  accept: command(`
if done() then return {'drop'} end
local holder = rcall('GET', KEYS[4])
if holder and holder ~= ARGV[6] then return {'skip'} end
if rcall('HEXISTS', KEYS[5], 'defa') == 1 then return {'lost'} end
if tonumber(rcall('HGET', KEYS[1], 'd')) <= now then return {'expired'} end
rcall('SET', KEYS[4], ARGV[6], 'PX', ARGV[8])
local attempt = tonumber(rcall('HGET', KEYS[5], 'ats') or '1')
rcall('HSET', KEYS[3], 'l', ARGV[6], 'a', attempt, 'e', ARGV[7], 'g', ARGV[9])
rcall('ZADD', KEYS[6], ARGV[7], member)
return {'ok', attempt}
`),

  /**
   * Renews a current lease (what BullMQ's extendLock does, plus the lease
   * record). ARGV 6 lease id, 7 new end (epoch ms), 8 ms from now. 1 when renewed.
   */
  extend: command(`
if done() then return 0 end
local lease = rcall('HMGET', KEYS[3], 'l', 'e')
if lease[1] ~= ARGV[6] or tonumber(lease[2]) <= now or rcall('GET', KEYS[4]) ~= lease[1] then return 0 end
rcall('SET', KEYS[4], ARGV[6], 'PX', ARGV[8])
rcall('HSET', KEYS[3], 'e', ARGV[7])
rcall('ZADD', KEYS[6], ARGV[7], member)
return 1
`),

  /**
   * An agent's result. ARGV 6 lease id ('' accepts any current lease), 7 the
   * result JSON, 8 the cluster the result names. Returns 'ok' (stored and
   * marked in the outbox), 'again' (this very result is already stored: a
   * resend of this call, or an agent's identical retry) or why not.
   */
  complete: command(`
if rcall('EXISTS', KEYS[1]) == 0 then return 'unknown command' end
local stored = rcall('GET', KEYS[2])
if stored then return stored == ARGV[7] and 'again' or 'it already has a result' end
local lease = rcall('HMGET', KEYS[3], 'l', 'e')
if not lease[1] then return 'it is not leased' end
if rcall('HGET', KEYS[1], 'k') ~= ARGV[8] then return 'cluster does not match' end
if ARGV[6] ~= '' and ARGV[6] ~= lease[1] then return 'the lease is no longer current' end
if tonumber(lease[2]) <= now or rcall('GET', KEYS[4]) ~= lease[1] then return 'its lease has run out' end
resolve(ARGV[7], true)
return 'ok'
`),

  /**
   * Resolves with ARGV 6 unless already resolved (cancel, deadline, agent
   * lost); ARGV 7 '1' marks it in the outbox (the queue's own ends, not a
   * cancel). Returns 1 when it did.
   */
  resolve: command(`
if done() then return rcall('GET', KEYS[2]) == ARGV[6] and 1 or 0 end
resolve(ARGV[6], ARGV[7] == '1')
return 1
`),

  /**
   * A lease whose expiry time came. ARGV 6 deliveries allowed, 7 the AGENT_LOST
   * result. Returns 'requeue' (the caller moves the job back to the head of
   * its queue), 'lost' (resolved), 'live' (extended meanwhile) or 'gone'.
   */
  expire: command(`
local lease = rcall('HMGET', KEYS[3], 'l', 'a', 'e')
if not lease[1] or rcall('EXISTS', KEYS[2]) == 1 then
  rcall('ZREM', KEYS[6], member)
  return 'gone'
end
if tonumber(lease[3]) > now then
  rcall('ZADD', KEYS[6], lease[3], member)
  return 'live'
end
if rcall('GET', KEYS[4]) == lease[1] then rcall('DEL', KEYS[4]) end
rcall('DEL', KEYS[3])
rcall('ZREM', KEYS[6], member)
local deadline = rcall('HGET', KEYS[1], 'd')
if not deadline then return 'gone' end
if tonumber(lease[2]) < tonumber(ARGV[6]) and tonumber(deadline) > now then return 'requeue' end
resolve(ARGV[7], true)
return 'lost'
`),

  /**
   * A command whose deadline came. ARGV 6 the DEADLINE_EXCEEDED result, 7 the
   * AGENT_LOST result. A leased command is left to its lease (checked again
   * after it); returns 'expired' or 'lost' when it resolved the command.
   */
  deadline: command(`
if done() then
  rcall('ZREM', KEYS[7], member)
  return 'gone'
end
local leaseEnds = rcall('HGET', KEYS[3], 'e')
if leaseEnds then
  rcall('ZADD', KEYS[7], tonumber(leaseEnds) + 1000, member)
  return 'leased'
end
if rcall('EXISTS', KEYS[4]) == 1 then
  rcall('ZADD', KEYS[7], now + 1000, member)
  return 'busy'
end
if rcall('HEXISTS', KEYS[5], 'defa') == 1 then
  resolve(ARGV[7], true)
  return 'lost'
end
resolve(ARGV[6], true)
return 'expired'
`),

  /**
   * KEYS 1 the audit outbox; ARGV 1 the latest mark to take (now - olderThanMs),
   * 2 limit, 3 the renewed mark (now + holdMs), 4 the key prefix. Takes the
   * oldest marks up to ARGV 1 and renews them (so no other replica takes them
   * for a while); drops those whose result is gone. Returns a flat list of
   * (command id, result JSON, command JSON).
   */
  unaudited: {
    keys: 1,
    lua: `
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])) do
  local result = redis.call('GET', ARGV[4] .. 'res:' .. id)
  local command = redis.call('HGET', ARGV[4] .. 'cmd:' .. id, 'c')
  if result and command then
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    out[#out + 1] = id
    out[#out + 1] = result
    out[#out + 1] = command
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`,
  },

  /** KEYS 1 result, 2 command hash. The result (or nil) and whether the command is known, in one round trip. */
  peek: {
    keys: 2,
    lua: `return { redis.call('GET', KEYS[1]), redis.call('EXISTS', KEYS[2]) }`,
  },

  /**
   * KEYS 1 lease-expiry zset, 2 deadline zset; ARGV 1 now, 2 limit. Members due
   * now in each, then the earliest lease end and the earliest deadline still
   * ahead ('' for none; a nil would end the reply): when the next sweep is needed.
   */
  sweep: {
    keys: 2,
    lua: `
local next = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
local nextDeadline = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf', 'WITHSCORES', 'LIMIT', 0, 1)
return {
  redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2]),
  redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2]),
  next[2] or '',
  nextDeadline[2] or ''
}`,
  },

  /**
   * KEYS 1 session hash, 2 all-sessions zset, 3 cluster's sessions zset;
   * ARGV 1 id, 2 createdAt, 3 ms left to live, 4.. hash fields. 0 when the id exists.
   */
  sessionCreate: {
    keys: 3,
    lua: SAME_RECORD + `
if redis.call('EXISTS', KEYS[1]) == 1 then return same(4) and 1 or 0 end
if tonumber(ARGV[3]) <= 0 then return 1 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
return 1`,
  },

  /**
   * KEYS 1 session hash; ARGV 1 the new lastActivityAt, 2 the current time.
   * Slides an active, live session; returns its fields or nil.
   */
  sessionTouch: {
    keys: 1,
    lua: `
local f = redis.call('HMGET', KEYS[1], 'status', 'lastActivityAt', 'ttlMs')
if not f[1] then return false end
local at, clock = tonumber(ARGV[1]), tonumber(ARGV[2])
local last, ttl = tonumber(f[2]), tonumber(f[3])
if last + ttl <= clock or f[1] ~= '"active"' then return false end
if at > last then
  redis.call('HSET', KEYS[1], 'lastActivityAt', ARGV[1])
  last = at
end
redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(last + ttl - clock)))
return redis.call('HGETALL', KEYS[1])`,
  },

  /** KEYS 1 session hash; ARGV 1 now. Marks a live session ended; 0 when unknown or expired. */
  sessionEnd: {
    keys: 1,
    lua: `
local f = redis.call('HMGET', KEYS[1], 'lastActivityAt', 'ttlMs')
if not f[1] then return 0 end
if tonumber(f[1]) + tonumber(f[2]) <= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'status', '"ended"')
return 1`,
  },

  /** KEYS 1 key hash, 2 hash index, 3 key set; ARGV 1 id, 2.. fields. 0 when the id exists. */
  keyCreate: {
    keys: 3,
    lua: SAME_RECORD + `
if redis.call('EXISTS', KEYS[1]) == 1 then return same(2) and 1 or 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 1`,
  },

  /** KEYS 1 hash index; ARGV 1 key-hash prefix. The key's fields, in one round trip. */
  keyFind: {
    keys: 1,
    lua: `
local id = redis.call('GET', KEYS[1])
if not id then return false end
return redis.call('HGETALL', ARGV[1] .. id)`,
  },

  /** KEYS 1 hash; ARGV 1 field, 2 value, 3 '1' to keep an existing value. Sets a field of an existing hash; 0 when missing. */
  setIfExists: {
    keys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[3] == '1' then redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) else redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
return 1`,
  },

  /** KEYS 1 cluster hash, 2 cluster set; ARGV 1 id, 2.. fields. 0 when it exists. */
  clusterRegister: {
    keys: 3,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
local seen = redis.call('HGET', KEYS[1], 'lastSeenAt')
if seen then redis.call('ZADD', KEYS[3], tonumber(seen), ARGV[1]) end
return 1`,
  },

  /** KEYS 1 cluster hash, 2 the last-seen zset; ARGV 1 id, then fields. 0 when the cluster is unknown. */
  clusterUpdate: {
    keys: 2,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
for i = 2, #ARGV - 1, 2 do
  if ARGV[i] == 'lastSeenAt' then redis.call('ZADD', KEYS[2], tonumber(ARGV[i + 1]), ARGV[1]) end
end
return 1`,
  },

  /**
   * A poll's presence refresh. KEYS 1 cluster hash, 2 the last-seen zset;
   * ARGV 1 id, 2 lastSeenAt. A cluster seen before is in the zset: only its
   * score moves (one write, the hash is left alone; readers take the score).
   * Otherwise (never seen, or the same millisecond) the full update. 0 when
   * the cluster is unknown.
   */
  clusterSeen: {
    keys: 2,
    lua: `
if redis.call('ZADD', KEYS[2], 'XX', 'CH', ARGV[2], ARGV[1]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'lastSeenAt', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1`,
  },

  /** KEYS 1 cluster hash, 2 its tokens, 3 cluster set, 4 the last-seen zset; ARGV 1 id. 1 when it existed. */
  clusterDelete: {
    keys: 4,
    lua: `
local existed = redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('SREM', KEYS[3], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
return existed`,
  },

  /** KEYS 1 tokens; ARGV 1 '1' for ifNone, 2 JSON ('' for none). 0 when ifNone stopped it. */
  tokensSet: {
    keys: 1,
    lua: `
if ARGV[1] == '1' and redis.call('EXISTS', KEYS[1]) == 1 then
  return redis.call('GET', KEYS[1]) == ARGV[2] and 1 or 0
end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1`,
  },

  /** KEYS 1 the window's counter; ARGV 1 ms until it may go. Adds one; the new count. */
  counterHit: {
    keys: 1,
    lua: `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`,
  },

  /**
   * KEYS 1 a command's output list, 2 its byte counter; ARGV 1 seq, 2 chunk,
   * 3 TTL ms, 4 channel, 5 wake message. Appends only the list's next seq and
   * counts the chunk's bytes as stored (Lua's `#` is the UTF-8 size); both keys
   * then live a TTL from this append. Returns {1, bytes} when appended,
   * {0, bytes} for a seq already stored, {-1, next seq} for a gap.
   */
  streamAppend: {
    keys: 2,
    lua: `
local next, seq = redis.call('LLEN', KEYS[1]), tonumber(ARGV[1])
if seq < next then return {0, tonumber(redis.call('GET', KEYS[2]) or '0')} end
if seq > next then return {-1, next} end
redis.call('RPUSH', KEYS[1], ARGV[2])
local bytes = redis.call('INCRBY', KEYS[2], #ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
return {1, bytes}`,
  },

  /**
   * KEYS 1 audit stream; ARGV 1 the seq the caller chained onto, then pairs of
   * (stream id, entry JSON). Appends only when the stream still ends at that
   * seq; otherwise returns {0, last entry JSON or nil} so the caller re-chains.
   */
  auditAppend: {
    keys: 1,
    lua: `
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq, last = 0, false
if #top > 0 then
  seq = tonumber(string.match(top[1][1], '^(%d+)'))
  last = top[1][2][2]
end
if seq ~= tonumber(ARGV[1]) then
  if last == ARGV[#ARGV] then return {1} end
  return {0, last}
end
for i = 2, #ARGV, 2 do
  redis.call('XADD', KEYS[1], ARGV[i], 'e', ARGV[i + 1])
end
return {1}`,
  },

  /** KEYS 1 user hash, 2 user set; ARGV 1 name, 2.. fields. 0 when the name exists (1 for a re-sent create of the same record). */
  userCreate: {
    keys: 2,
    lua: SAME_RECORD + `
if redis.call('EXISTS', KEYS[1]) == 1 then return same(2) and 1 or 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('SADD', KEYS[2], ARGV[1])
return 1`,
  },

  /** KEYS 1 user hash; ARGV fields. The record's fields after the update; false when the user is unknown. */
  userUpdate: {
    keys: 1,
    lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])`,
  },

  /** KEYS 1 user hash, 2 user set; ARGV 1 name. 1 when it existed. */
  userDelete: {
    keys: 2,
    lua: `
local existed = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return existed`,
  },
} satisfies Record<string, LuaScript>;

/** A script's name. */
export type ScriptName = keyof typeof SCRIPTS;
