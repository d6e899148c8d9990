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

/** Maps an error thrown by the native addon to its TokensmithError subclass. */
function fromNative(err) {
  if (!isErrorLike(err)) return err
  const m = PREFIX.exec(err.message)
  const Cls = m && BY_CODE[m[1]]
  if (!Cls) return err
  const d = details(err)
  return new Cls(err.message.slice(m[0].length), m[1], { vendorCode: d.vendorCode, field: d.field })
}

module.exports = { ...errors, BY_CODE, fromNative }
