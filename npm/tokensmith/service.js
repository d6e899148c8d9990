'use strict'
// `Tokensmith`: users, auth tokens with rolling retention, revocation and the push registry
// over a store (sqlite://PATH, redis://HOST:PORT/DB, memory://). A thin grouping of the native
// class's async methods (`users.create` → `usersCreate`, …); every failure, a wrong argument
// type included, is a rejected Promise carrying a TokensmithError subclass (or a TypeError).
const native = require('./native')
const { fromNative } = require('./errors')

/** An omitted optional options object: every field absent. */
const NONE = Object.freeze({})

/** A required options object, read as N-API reads one: a primitive has no fields, null none either. */
function fieldsOf(o) {
  if (o === null || o === undefined) throw new TypeError('Cannot convert undefined or null to object')
  return o
}

/** Runs a native call; a synchronous throw or a rejection becomes a mapped rejection. */
async function call(fn) {
  try {
    return await fn()
  } catch (e) {
    throw fromNative(e)
  }
}

class Tokensmith {
  #native

  /**
   * @param {object} options `store` (required) and the policy knobs; absent ones take the
   *   core's defaults. The store is opened on the first call, not here.
   */
  constructor(options) {
    let n
    try {
      n = new native.Tokensmith(options ?? NONE)
    } catch (e) {
      throw fromNative(e)
    }
    this.#native = n
    this.users = Object.freeze({
      create: (options) => call(() => n.usersCreate(fieldsOf(options))),
      get: (uid) => call(() => n.usersGet(uid)),
      delete: (uid) => call(() => n.usersDelete(uid)),
    })
    this.authTokens = Object.freeze({
      create: (uid, meta) => call(() => n.authTokensCreate(uid, meta)),
      list: (uid, options) => call(() => n.authTokensList(uid, options)),
      get: (uid, tokenOrId) => call(() => n.authTokensGet(uid, tokenOrId)),
      update: (uid, tokenOrId, patch) => call(() => n.authTokensUpdate(uid, tokenOrId, fieldsOf(patch))),
      delete: (uid, tokenOrId) => call(() => n.authTokensDelete(uid, tokenOrId)),
      flush: (uid) => call(() => n.authTokensFlush(uid)),
      validate: (token) => call(() => n.validate(token)),
    })
    this.push = Object.freeze({
      register: (authToken, tokens) => call(() => n.pushRegister(authToken, fieldsOf(tokens))),
      list: (authToken) => call(() => n.pushList(authToken)),
      delete: (authToken, options) => call(() => n.pushDelete(authToken, options)),
    })
  }

  /** Ends the session: deletes the auth token and its push registration. */
  logout(authToken) {
    return call(() => this.#native.logout(authToken))
  }

  /** Revokes one token of any format (an auth token is deleted). */
  revokeToken(token) {
    return call(() => this.#native.revokeToken(token))
  }

  /** Revokes every token of `subject` (uid / Ably client id) issued before `issuedBefore`. */
  revokeSubject(subject, options) {
    return call(() => this.#native.revokeSubject(subject, options))
  }

  /** `ably.verifyToken`, then revocation. */
  verifyAblyToken(token, key, options) {
    return call(() => {
      const { keyName, keySecret } = fieldsOf(key)
      const { now, leeway, clientId, resource, operation } = options ?? NONE
      return this.#native.verifyAblyToken(token, keyName, keySecret, now, leeway, clientId, resource, operation)
    })
  }

  /** `agora.verify`, then revocation. */
  verifyAgoraToken(token, appCertificate, options) {
    return call(() => this.#native.verifyAgoraToken(token, appCertificate, (options ?? NONE).now))
  }

  /** `ably.verifyTokenRequest`, with nonce replay protection in the store. */
  verifyTokenRequest(request, key, options) {
    return call(() => {
      const { keyName, keySecret } = fieldsOf(key)
      return this.#native.verifyTokenRequest(request, keyName, keySecret, (options ?? NONE).windowMs)
    })
  }

  /** Forgets archived tokens older than `purgeArchivedAfterMs`; resolves to how many. */
  purgeArchived() {
    return call(() => this.#native.purgeArchived())
  }

  /** Drops the store; later calls reject with StoreUnavailableError. Calls already running finish. */
  close() {
    return call(() => this.#native.close())
  }
}

module.exports = { Tokensmith }
