'use strict'
// The TokensmithError hierarchy. The native addon throws plain errors whose message starts
// with `[CODE] ` and whose `cause` carries the details as JSON; fromNative() turns them into
// the class for that code. Classes live here, in the caller's realm, so `instanceof` works
// under jest's vm contexts too (the addon's own errors would not).

class TokensmithError extends Error {
  constructor(message, code, options = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.code = code
    this.vendorCode = options.vendorCode ?? null
    this.field = options.field ?? null
    // Set when a server refused the request (the REST client): its HTTP status, its own code
    // (`ERR_UID_NOT_FOUND`, `40142`, …) and how long it asked to wait.
    this.status = options.status ?? null
    this.serverCode = options.serverCode ?? null
    this.retryAfterMs = options.retryAfterMs ?? null
  }
}

const CLASSES = {
  INVALID_ARGUMENT: 'InvalidArgumentError',
  MALFORMED_TOKEN: 'MalformedTokenError',
  BAD_SIGNATURE: 'BadSignatureError',
  TOKEN_EXPIRED: 'TokenExpiredError',
  TOKEN_NOT_YET_VALID: 'TokenNotYetValidError',
  CAPABILITY_REFUSED: 'CapabilityRefusedError',
  TIMESTAMP_OUT_OF_WINDOW: 'TimestampOutOfWindowError',
  REPLAYED_NONCE: 'ReplayedNonceError',
  CLIENT_ID_MISMATCH: 'ClientIdMismatchError',
  KEY_MISMATCH: 'KeyMismatchError',
  TOKEN_REVOKED: 'TokenRevokedError',
  UNSUPPORTED_TOKEN: 'UnsupportedTokenError',
  UID_ALREADY_EXISTS: 'UidAlreadyExistsError',
  USER_NOT_FOUND: 'UserNotFoundError',
  AUTH_TOKEN_NOT_FOUND: 'AuthTokenNotFoundError',
  STORE_UNAVAILABLE: 'StoreUnavailableError',
  UNAUTHORIZED: 'UnauthorizedError',
  RATE_LIMITED: 'RateLimitedError',
  HTTP_ERROR: 'HttpError',
  NETWORK_ERROR: 'NetworkError',
  REQUEST_TIMEOUT: 'RequestTimeoutError',
  NO_RENEWAL_MEANS: 'NoRenewalMeansError',
  PROVIDER_ERROR: 'ProviderError',
  SESSION_CLOSED: 'SessionClosedError',
}

const BY_CODE = {}
const errors = { TokensmithError }
for (const [code, name] of Object.entries(CLASSES)) {
  // A named class per code, so stack traces and `err.name` read naturally.
  const cls = { [name]: class extends TokensmithError {} }[name]
  BY_CODE[code] = cls
  errors[name] = cls
}

const PREFIX = /^\[([A-Z0-9_]+)\] /
const isErrorLike = (e) => e !== null && typeof e === 'object' && typeof e.message === 'string'

function details(err) {
  try {
    return JSON.parse(err.cause && err.cause.message)
  } catch {
    return {}
  }
}

// napi-rs refuses an argument of the wrong JS type with one of these statuses, and its message
// quotes the value (`Object {"type":"Buffer","data":[53,67,…]}`): a certificate passed as a
// Buffer, or a key secret as a String object, would end up in logs.
const NAPI_TYPE_STATUSES = new Set([
  'InvalidArg',
  'ObjectExpected',
  'StringExpected',
  'NameExpected',
  'FunctionExpected',
  'NumberExpected',
  'BooleanExpected',
  'ArrayExpected',
  'BigintExpected',
  'DateExpected',
  'ArrayBufferExpected',
])
const QUOTED_VALUE = /^Failed to convert JavaScript value `(\w+)[^]*` into rust type `([^`]*)`((?: on [\w.]+)?)$/

/** A wrong-type error of napi-rs as a TypeError of this realm, without the offending value. */
function typeError(err) {
  const q = QUOTED_VALUE.exec(err.message)
  let message = err.message
  if (q) message = `Failed to convert a JavaScript ${q[1]} into rust type \`${q[2]}\`${q[3]}`
  // A quoting format this does not know: say less rather than leak.
  else if (message.includes('JavaScript value `')) message = 'an argument has the wrong type'
  const e = new TypeError(message)
  e.code = err.code
  return e
}

/**
 * Maps an error thrown by the native addon to its TokensmithError subclass, and napi-rs's
 * wrong-type errors to a TypeError that does not quote the argument.
 */
function fromNative(err) {
  if (!isErrorLike(err)) return err
  if (NAPI_TYPE_STATUSES.has(err.code)) return typeError(err)
  const m = PREFIX.exec(err.message)
  const Cls = m && BY_CODE[m[1]]
  if (!Cls) return err
  return fromDetails(err.message.slice(m[0].length), m[1], details(err), Cls)
}

/** The error of `code` with the native details; a provider failure's cause becomes `cause`. */
function fromDetails(message, code, d, Cls = BY_CODE[code]) {
  const c = d.cause
  const cause =
    c !== null && typeof c === 'object' && typeof c.code === 'string' && BY_CODE[c.code]
      ? fromDetails(String(c.message ?? ''), c.code, c)
      : undefined
  return new Cls(message, code, {
    cause,
    vendorCode: d.vendorCode,
    field: d.field,
    status: d.status,
    serverCode: d.serverCode,
    retryAfterMs: d.retryAfterMs,
  })
}

module.exports = { ...errors, BY_CODE, fromNative }
