'use strict'
// The public API: the native functions, with native errors mapped to TokensmithError classes.
// Option objects are destructured here and their fields passed to the addon positionally, and
// results come back as flat arrays that become objects here: reading and creating properties is
// far cheaper in JS than through N-API. Only shapes change hands here; Rust checks everything.
const native = require('./native')
const { BY_CODE: _byCode, fromNative, ...errors } = require('./errors')

/** Maps a native error and points its stack at the caller, not at this file. */
function rethrow(e, frame) {
  const err = fromNative(e)
  if (err !== e && typeof Error.captureStackTrace === 'function') Error.captureStackTrace(err, frame)
  throw err
}

function wrap(fn) {
  return function wrapped(...args) {
    try {
      return fn(...args)
    } catch (e) {
      rethrow(e, wrapped)
    }
  }
}

/** A required options object, read as N-API reads one: a primitive has no fields, null none either. */
function fieldsOf(o) {
  if (o === null || o === undefined) throw new TypeError('Cannot convert undefined or null to object')
  return o
}
/** An omitted optional options object: every field absent. */
const NONE = Object.freeze({})

// Flat native results → objects with Ably's field names in Ably's order. `null` marks a field
// the object omits (TokenParams keeps its nulls). The addon leaves out what the caller passed
// in (key name, ttl, client id), unless reading it changed it (a lone surrogate became U+FFFD).

/** `[capability, timestamp, nonce, mac, keyName, clientId]` → TokenRequest. */
function tokenRequest(r, keyName, ttl, clientId) {
  const out = { keyName: r[4] ?? keyName }
  if (ttl !== undefined) out.ttl = ttl
  if (r[0] !== null) out.capability = r[0]
  if (clientId !== undefined) out.clientId = r[5] ?? clientId
  out.timestamp = r[1]
  out.nonce = r[2]
  out.mac = r[3]
  return out
}

/** `[token, issued, expires, capability, keyName, clientId]` → TokenDetails. */
function tokenDetails(r, keyName, clientId) {
  const out = { token: r[0], keyName: r[4] ?? keyName, issued: r[1], expires: r[2], capability: r[3] }
  if (clientId !== undefined) out.clientId = r[5] ?? clientId
  return out
}

// `ablyIssueToken` returns the token alone when the granted capability is the text passed in
// (the params', else the options', else ALL) and nothing else changed crossing; `issued` and
// `expires` are then in ISSUED_TIMES, written just before it returns (no JS runs in between).
const ISSUED_TIMES = new Float64Array(2)
const ALL = native.ABLY_CAPABILITY_ALL

// `ablyVerifyToken` returns the capability and client id joined in one string; VERIFIED then
// holds `[iat, exp, capability length, 1 if a client id follows]`, written just before it returns.
const VERIFIED = new Float64Array(4)

/** `[iat, exp, capability, clientId]` → AblyJwtClaims (times past 2^53 − 1, as BigInts). */
function claims(r) {
  const out = { iat: r[0], exp: r[1], 'x-ably-capability': r[2] }
  if (r[3] !== null) out['x-ably-clientId'] = r[3]
  return out
}

/** `[ttl, capability, clientId, timestamp, nonce]` → TokenParams. */
const tokenParams = (r) => ({ ttl: r[0], capability: r[1], clientId: r[2], timestamp: r[3], nonce: r[4] })

// Keys in the order the namespaces have always listed them.
const agora = {
  parse: wrap(native.agoraParse),
  verify: wrap((token, appCertificate, options) => native.agoraVerify(token, appCertificate, (options ?? NONE).now)),
  buildChatAppToken: wrap((options) => {
    const { appId, appCertificate, expire, issueTs, salt } = fieldsOf(options)
    return native.agoraBuildChatAppToken(appId, appCertificate, expire, issueTs, salt)
  }),
  buildChatUserToken: wrap((options) => {
    const { appId, appCertificate, userId, expire, issueTs, salt } = fieldsOf(options)
    return native.agoraBuildChatUserToken(appId, appCertificate, userId, expire, issueTs, salt)
  }),
}

/** Verifies TokenRequests and refuses a nonce seen before within the timestamp window. */
class TokenRequestVerifier {
  #native = new native.TokenRequestVerifier()

  verify(request, key, options) {
    try {
      const { keyName, keySecret } = fieldsOf(key)
      const { now, windowMs } = options ?? NONE
      return tokenParams(this.#native.verify(request, keyName, keySecret, now, windowMs))
    } catch (e) {
      rethrow(e, this.verify)
    }
  }
}

const ably = {
  issueToken: wrap((key, params, options) => {
    const { keyName, keySecret } = fieldsOf(key)
    const { ttl, capability, clientId, timestamp, nonce } = params ?? NONE
    const { keyCapability, defaultTtl, maxTtl } = options ?? NONE
    const r = native.ablyIssueToken(
      keyName,
      keySecret,
      ttl,
      capability,
      clientId,
      timestamp,
      nonce,
      keyCapability,
      defaultTtl,
      maxTtl,
      ISSUED_TIMES,
    )
    if (typeof r !== 'string') return tokenDetails(r, keyName, clientId)
    const capabilityText = capability !== undefined ? capability : keyCapability !== undefined ? keyCapability : ALL
    const out = { token: r, keyName, issued: ISSUED_TIMES[0], expires: ISSUED_TIMES[1], capability: capabilityText }
    if (clientId !== undefined) out.clientId = clientId
    return out
  }),
  verifyToken: wrap((token, key, options) => {
    const { keyName, keySecret } = fieldsOf(key)
    const { now, leeway, clientId, resource, operation } = options ?? NONE
    const r = native.ablyVerifyToken(token, keyName, keySecret, now, leeway, clientId, resource, operation, VERIFIED)
    if (typeof r !== 'string') return claims(r)
    const split = VERIFIED[2]
    const out = { iat: VERIFIED[0], exp: VERIFIED[1], 'x-ably-capability': VERIFIED[3] ? r.slice(0, split) : r }
    if (VERIFIED[3]) out['x-ably-clientId'] = r.slice(split)
    return out
  }),
  createTokenRequest: wrap((key, params) => {
    const { keyName, keySecret } = fieldsOf(key)
    const { ttl, capability, clientId, timestamp, nonce } = params ?? NONE
    const r = native.ablyCreateTokenRequest(keyName, keySecret, ttl, capability, clientId, timestamp, nonce)
    return tokenRequest(r, keyName, ttl, clientId)
  }),
  verifyTokenRequest: wrap((request, key, options) => {
    const { keyName, keySecret } = fieldsOf(key)
    const { now, windowMs } = options ?? NONE
    return tokenParams(native.ablyVerifyTokenRequest(request, keyName, keySecret, now, windowMs))
  }),
  TokenRequestVerifier,
}

module.exports = {
  agora,
  ably,
  authToken: Object.fromEntries(Object.entries(native.authToken).map(([k, v]) => [k, wrap(v)])),
  explain: wrap(native.explain),
  version: native.version(),
  errorCodes: native.errorCodes(),
  errors,
  ...errors,
}

const { Tokensmith } = require('./service')
module.exports.Tokensmith = Tokensmith

const { Session } = require('./session')
module.exports.Session = Session

const { Client, Server, serve } = require('./client')
module.exports.Client = Client
module.exports.Server = Server
module.exports.serve = serve
