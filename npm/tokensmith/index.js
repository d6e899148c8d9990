'use strict'
// The public API: the native functions, with native errors mapped to TokensmithError classes.
const native = require('./native')
const errors = require('./errors')

const { fromNative } = errors

function wrap(fn) {
  return function wrapped(...args) {
    try {
      return fn(...args)
    } catch (e) {
      throw fromNative(e)
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
      throw fromNative(e)
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
delete module.exports.BY_CODE
delete module.exports.fromNative
