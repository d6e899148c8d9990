//! The Lua scripts behind [`RedisStore`](super::RedisStore): every multi-step operation is one
//! script, so it is atomic across every instance sharing the server.
//!
//! Conventions: `ARGV[1]` is always the app's key prefix (`ts:{app}:`); `KEYS` names the key(s)
//! the operation is about, so a cluster routes the call to the app's slot (every key of an app
//! shares its `{app}` hash tag, so the other keys a script derives live in that same slot).
//! Optional hash fields travel as trailing field/value pairs, so "absent" never needs a sentinel.
//! Numbers that may exceed 2^53 (revocation watermarks can be `u64::MAX`) travel as 20-digit
//! zero-padded decimals and are compared exactly, never as Lua doubles.

use std::sync::LazyLock;

use ::redis::Script;

/// Helpers shared by the scripts (prepended to each).
const PRELUDE: &str = r#"
local P = ARGV[1]

-- Drops the push registration of token hash `h` (and its entry in the owner's set).
local function drop_push(h)
  local pk = P .. 'p:' .. h
  local owner = redis.call('HGET', pk, 'uid')
  if owner then
    redis.call('SREM', P .. 'pu:' .. owner, h)
    redis.call('DEL', pk)
    return 1
  end
  return 0
end

-- Forgets the archive entries whose token hash has expired (archive TTL), oldest first.
local function prune_archive(uz)
  while true do
    local oldest = redis.call('ZRANGE', uz, 0, 0)[1]
    if not oldest or redis.call('EXISTS', P .. 't:' .. oldest) == 1 then return end
    redis.call('ZREM', uz, oldest)
  end
end

-- Deletes every token of `uid` (active and archived) with their push registrations.
-- Returns how many token hashes were deleted.
local function flush(uid)
  local n = 0
  for _, set in ipairs({P .. 'ua:' .. uid, P .. 'uz:' .. uid}) do
    for _, h in ipairs(redis.call('ZRANGE', set, 0, -1)) do
      n = n + redis.call('DEL', P .. 't:' .. h)
      redis.call('ZREM', P .. 'az', h)
      drop_push(h)
    end
    redis.call('DEL', set)
  end
  local pu = P .. 'pu:' .. uid
  for _, h in ipairs(redis.call('SMEMBERS', pu)) do
    redis.call('DEL', P .. 'p:' .. h)
  end
  redis.call('DEL', pu)
  return n
end

-- a >= b for 20-digit zero-padded decimals (exact: two 10-digit halves, each exact in a double).
local function ge(a, b)
  local ah, bh = tonumber(string.sub(a, 1, 10)), tonumber(string.sub(b, 1, 10))
  if ah ~= bh then return ah > bh end
  return tonumber(string.sub(a, 11)) >= tonumber(string.sub(b, 11))
end
"#;

/// KEYS[1] user. ARGV: P, then the user hash's field/value pairs. 1 = created, 0 = uid taken.
const CREATE_USER: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1
"#;

/// KEYS[1] user. ARGV: P, uid, hash hex, keep, archive TTL ms (0 = none), archived_at, then the
/// token hash's field/value pairs. Returns {'ok', archived hashes oldest first...},
/// {'no_user'} or {'duplicate'}.
const INSERT_TOKEN: &str = r#"
local uid, h, keep, ttl, now = ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
if redis.call('EXISTS', KEYS[1]) == 0 then return {'no_user'} end
local tk = P .. 't:' .. h
if redis.call('EXISTS', tk) == 1 then return {'duplicate'} end
local seq = redis.call('INCR', P .. 'seq')
local fields = {'uid', uid, 'seq', seq}
for i = 7, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', tk, unpack(fields))
local ua = P .. 'ua:' .. uid
redis.call('ZADD', ua, seq, h)
local out = {'ok'}
if keep > 0 then
  local excess = redis.call('ZCARD', ua) - keep
  if excess > 0 then
    local old = redis.call('ZRANGE', ua, 0, excess - 1, 'WITHSCORES')
    redis.call('ZREMRANGEBYRANK', ua, 0, excess - 1)
    local uz, az = P .. 'uz:' .. uid, P .. 'az'
    for i = 1, #old, 2 do
      local oh = old[i]
      local tko = P .. 't:' .. oh
      redis.call('ZADD', uz, old[i + 1], oh)
      redis.call('HSET', tko, 'archived_at', now)
      if ttl > 0 then redis.call('PEXPIRE', tko, ttl) end
      redis.call('ZADD', az, now, oh)
      drop_push(oh)
      out[#out + 1] = oh
    end
    -- Keep the app-wide archive index from growing with entries whose TTL already ran out.
    for _ = 1, 8 do
      local oldest = redis.call('ZRANGE', az, 0, 0)[1]
      if not oldest or redis.call('EXISTS', P .. 't:' .. oldest) == 1 then break end
      redis.call('ZREM', az, oldest)
    end
  end
end
return out
"#;

/// KEYS[1] user. ARGV: P, uid, offset, limit. Returns {0} (no user) or
/// {1, active count, archived count, {hash hex, field, value, ...}...}: active newest first,
/// then archived newest first.
const LIST_TOKENS: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return {0} end
local uid, offset, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local ua, uz = P .. 'ua:' .. uid, P .. 'uz:' .. uid
prune_archive(uz)
local na, nz = redis.call('ZCARD', ua), redis.call('ZCARD', uz)
local out = {1, na, nz}
local function take(set, from, n)
  if n <= 0 then return 0 end
  local hs = redis.call('ZREVRANGE', set, from, from + n - 1)
  for _, h in ipairs(hs) do
    local rec = redis.call('HGETALL', P .. 't:' .. h)
    if #rec > 0 then
      table.insert(rec, 1, h)
      out[#out + 1] = rec
    end
  end
  return #hs
end
local taken = 0
if offset < na then taken = take(ua, offset, math.min(limit, na - offset)) end
local from = math.max(0, offset - na)
if from < nz then take(uz, from, limit - taken) end
return out
"#;

/// KEYS[1] token. ARGV: P. Returns {} or {token fields, user fields}.
const GET_SESSION: &str = r#"
local t = redis.call('HGETALL', KEYS[1])
if #t == 0 then return {} end
local uid
for i = 1, #t, 2 do if t[i] == 'uid' then uid = t[i + 1] end end
if not uid then return {} end
local u = redis.call('HGETALL', P .. 'u:' .. uid)
if #u == 0 then return {} end
return {t, u}
"#;

/// KEYS[1] token. ARGV: P, then the meta field/value pairs to set. Returns the token's fields
/// after the update, or {} when it is absent or archived.
const UPDATE_TOKEN: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'archived_at') == 1 then
  return {}
end
if #ARGV > 1 then redis.call('HSET', KEYS[1], unpack(ARGV, 2)) end
return redis.call('HGETALL', KEYS[1])
"#;

/// KEYS[1] token. ARGV: P, hash hex. 1 = deleted, 0 = absent. The push registration goes either way.
const DELETE_TOKEN: &str = r#"
local h = ARGV[2]
drop_push(h)
local uid = redis.call('HGET', KEYS[1], 'uid')
if not uid then return 0 end
redis.call('ZREM', P .. 'ua:' .. uid, h)
redis.call('ZREM', P .. 'uz:' .. uid, h)
redis.call('ZREM', P .. 'az', h)
redis.call('DEL', KEYS[1])
return 1
"#;

/// KEYS[1] user. ARGV: P, uid. Returns how many tokens were deleted.
const FLUSH_TOKENS: &str = r#"
return flush(ARGV[2])
"#;

/// KEYS[1] user. ARGV: P, uid. 1 = deleted (with tokens and push registrations), 0 = absent.
const DELETE_USER: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
flush(ARGV[2])
redis.call('DEL', KEYS[1])
return 1
"#;

/// KEYS[1] the archive index. ARGV: P, before (exclusive), batch size. Returns
/// {tokens purged, index entries visited}; the caller repeats while a full batch was visited.
const PURGE_ARCHIVED: &str = r#"
local hs = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
local n = 0
for _, h in ipairs(hs) do
  local tk = P .. 't:' .. h
  local uid = redis.call('HGET', tk, 'uid')
  if uid then
    redis.call('ZREM', P .. 'uz:' .. uid, h)
    n = n + redis.call('DEL', tk)
  end
  redis.call('ZREM', KEYS[1], h)
end
return {n, #hs}
"#;

/// KEYS[1] the subject's revocations. ARGV: P, issued_before, applies_at, forget_after (each
/// 20-digit padded), key TTL ms (0 = keep for good). Fields are `issued_before:applies_at`,
/// values `forget_after`.
const ADD_REVOCATION: &str = r#"
local ib, aa, fa, ttl = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
-- An entry is superseded by one that covers at least as much, at least as early.
for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
  if ge(ib, string.sub(f, 1, 20)) and ge(string.sub(f, 22, 41), aa) then
    redis.call('HDEL', KEYS[1], f)
  end
end
local left = redis.call('PTTL', KEYS[1])
redis.call('HSET', KEYS[1], ib .. ':' .. aa, fa)
if ttl == 0 then
  redis.call('PERSIST', KEYS[1])
elseif left == -2 or (left >= 0 and left < ttl) then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
"#;

/// KEYS: the subjects' revocation hashes. ARGV: P, now, issued_at (20-digit padded).
/// 1 when a watermark in force at `now` covers a token issued at `issued_at`.
const IS_REVOKED: &str = r#"
local now, iat = ARGV[2], ARGV[3]
for _, key in ipairs(KEYS) do
  local entries = redis.call('HGETALL', key)
  for i = 1, #entries, 2 do
    local f, fa = entries[i], entries[i + 1]
    local ib, aa = string.sub(f, 1, 20), string.sub(f, 22, 41)
    if ge(now, aa) and not ge(iat, ib) and not ge(now, fa) then return 1 end
  end
end
return 0
"#;

/// KEYS[1] token. ARGV: P, hash hex, uid, then the registration's field/value pairs.
/// 1 = stored, 0 = the token is absent or archived.
const PUT_PUSH: &str = r#"
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'archived_at') == 1 then
  return 0
end
local h, uid = ARGV[2], ARGV[3]
drop_push(h)
redis.call('HSET', P .. 'p:' .. h, 'uid', uid, unpack(ARGV, 4))
redis.call('SADD', P .. 'pu:' .. uid, h)
return 1
"#;

/// KEYS[1] the user's push set. ARGV: P. Returns {{hash hex, field, value, ...}...}.
const LIST_PUSH: &str = r#"
local out = {}
for _, h in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local rec = redis.call('HGETALL', P .. 'p:' .. h)
  if #rec > 0 then
    table.insert(rec, 1, h)
    out[#out + 1] = rec
  end
end
return out
"#;

/// KEYS[1] the user's push set. ARGV: P, uid, hash hex or '' for all. Returns how many.
const DELETE_PUSH: &str = r#"
local uid, only = ARGV[2], ARGV[3]
local targets = {only}
if only == '' then targets = redis.call('SMEMBERS', KEYS[1]) end
local n = 0
for _, h in ipairs(targets) do
  local pk = P .. 'p:' .. h
  if redis.call('HGET', pk, 'uid') == uid then
    redis.call('DEL', pk)
    redis.call('SREM', KEYS[1], h)
    n = n + 1
  end
end
return n
"#;

/// The compiled scripts (each is loaded on first use: EVALSHA, with a LOAD on NOSCRIPT).
pub(super) struct Scripts {
    pub create_user: Script,
    pub insert_token: Script,
    pub list_tokens: Script,
    pub get_session: Script,
    pub update_token: Script,
    pub delete_token: Script,
    pub flush_tokens: Script,
    pub delete_user: Script,
    pub purge_archived: Script,
    pub add_revocation: Script,
    pub is_revoked: Script,
    pub put_push: Script,
    pub list_push: Script,
    pub delete_push: Script,
}

fn script(body: &str) -> Script {
    Script::new(&format!("{PRELUDE}{body}"))
}

pub(super) static SCRIPTS: LazyLock<Scripts> = LazyLock::new(|| Scripts {
    create_user: script(CREATE_USER),
    insert_token: script(INSERT_TOKEN),
    list_tokens: script(LIST_TOKENS),
    get_session: script(GET_SESSION),
    update_token: script(UPDATE_TOKEN),
    delete_token: script(DELETE_TOKEN),
    flush_tokens: script(FLUSH_TOKENS),
    delete_user: script(DELETE_USER),
    purge_archived: script(PURGE_ARCHIVED),
    add_revocation: script(ADD_REVOCATION),
    is_revoked: script(IS_REVOKED),
    put_push: script(PUT_PUSH),
    list_push: script(LIST_PUSH),
    delete_push: script(DELETE_PUSH),
});
