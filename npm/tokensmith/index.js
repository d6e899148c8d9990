'use strict'
// The public API: the native functions, with native errors mapped to TokensmithError classes.
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

const wrapAll = (ns) => Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, wrap(v)]))

/** Verifies TokenRequests and refuses a nonce seen before within the timestamp window. */
class TokenRequestVerifier {
  #native = new native.ably.TokenRequestVerifier()

  verify(request, key, options) {
    try {
      return this.#native.verify(request, key, options)
    } catch (e) {
      rethrow(e, this.verify)
    }
  }
}

const { TokenRequestVerifier: _nativeVerifier, ...ablyFunctions } = native.ably

module.exports = {
  agora: wrapAll(native.agora),
  ably: { ...wrapAll(ablyFunctions), TokenRequestVerifier },
  authToken: wrapAll(native.authToken),
  explain: wrap(native.explain),
  version: native.version(),
  errorCodes: native.errorCodes(),
  errors,
  ...errors,
}
