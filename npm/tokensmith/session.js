'use strict'
// `Session`: a client's token that renews itself, one engine for every format (Ably key,
// authUrl or authCallback, an Agora token server, a static token, a CometChat login). A thin
// layer over the native class: it wraps the authCallback so a throw or rejection never crosses
// into Rust (the error stays here and becomes the `cause` of the ProviderError), keeps the
// event listeners, and maps native errors to TokensmithError classes.
const native = require('./native')
const { fromNative } = require('./errors')

const EVENTS = new Set(['tokenWillExpire', 'renewed', 'tokenExpired', 'renewFailed', 'loggedOut'])
/** JS errors kept for their ProviderError; a failed call reports one of the last few. */
const CAUSES_KEPT = 16

/** The thrown values of a session's callbacks, by id (kept apart from the session, see below). */
class Causes {
  #next = 1
  #byId = new Map()

  keep(error) {
    const id = this.#next++
    this.#byId.set(id, error)
    if (this.#byId.size > CAUSES_KEPT) this.#byId.delete(this.#byId.keys().next().value)
    return id
  }

  /** The TokensmithError for a native error, with the callback's own error as its `cause`. */
  map(e) {
    const err = fromNative(e)
    let id
    try {
      id = JSON.parse(e.cause.message).causeId
    } catch {
      return err
    }
    if (id !== undefined && this.#byId.has(id)) {
      Object.defineProperty(err, 'cause', { value: this.#byId.get(id), writable: true, configurable: true })
    }
    return err
  }
}

/** `{ error, message, status }` for whatever a callback threw (any value can be thrown). */
function failure(causes, e) {
  const isObject = e !== null && typeof e === 'object'
  let message
  try {
    message = isObject && typeof e.message === 'string' ? e.message : String(e)
  } catch {
    message = 'the callback threw'
  }
  const status = isObject ? (e.statusCode ?? e.status) : undefined
  return { error: causes.keep(e), message, status: typeof status === 'number' ? status : undefined }
}

/** The authCallback as the addon calls it: it always resolves, to `{ value }` or a failure. */
function wrapCallback(fn, causes) {
  if (fn === undefined || fn === null) return undefined
  if (typeof fn !== 'function') throw new TypeError('authCallback must be a function')
  return async (tokenParams) => {
    try {
      return { value: await fn(tokenParams) }
    } catch (e) {
      return failure(causes, e)
    }
  }
}

/** The means of getting tokens, from an options object (the callback travels apart). */
function authOf(o) {
  const { key, authUrl, authMethod, authHeaders, authParams, token, agoraTokenServer } = o
  return { key, authUrl, authMethod, authHeaders, authParams, token, agoraTokenServer }
}

function settingsOf(o) {
  const { baseUrl, appId, queryTime, httpTimeoutMs, marginMs, jitterMs, background, serverOffsetMs } = o
  const { baseMs, capMs, maxAttempts } = o.backoff ?? {}
  return {
    baseUrl,
    appId,
    queryTime,
    httpTimeoutMs,
    marginMs,
    jitterMs,
    background,
    serverOffsetMs,
    backoffBaseMs: baseMs,
    backoffCapMs: capMs,
    maxAttempts,
  }
}

/** Calls listeners in order; one that throws does not stop the others, and is reported as
 * an uncaught exception, as an EventEmitter listener throwing in a timer would be. */
function dispatch(listeners, name, payload) {
  for (const fn of [...(listeners.get(name) ?? [])]) {
    try {
      fn(payload)
    } catch (e) {
      queueMicrotask(() => {
        throw e
      })
    }
  }
}

class Session {
  #native
  #causes = new Causes()
  #listeners = new Map()

  /**
   * @param {object} options one means of getting tokens (`key`, `authUrl`, `authCallback`,
   *   `agoraTokenServer`; `token` alone is a static token, with a means the first token),
   *   `tokenParams`, `baseUrl`/`appId` of the service, and the renewal settings.
   */
  constructor(options = {}) {
    const o = options ?? {}
    const causes = this.#causes
    // The addon holds `emit` for as long as the session lives; it reaches the listeners only
    // through a WeakRef, so a listener that refers to the session does not keep it alive.
    const listeners = new WeakRef(this.#listeners)
    const emit = (name, payload, error) => {
      const l = listeners.deref()
      if (l === undefined) return
      if (error !== null && error !== undefined) payload.error = causes.map(error)
      dispatch(l, name, payload)
    }
    try {
      const callback = wrapCallback(o.authCallback, causes)
      this.#native = new native.NativeSession(authOf(o), o.tokenParams, settingsOf(o), callback, emit)
    } catch (e) {
      throw fromNative(e)
    }
  }

  /** A valid token, fetched if needed; concurrent callers share one fetch. */
  async token() {
    try {
      return await this.#native.token()
    } catch (e) {
      throw this.#causes.map(e)
    }
  }

  /** The held token, or null; never fetches. */
  current() {
    return this.#native.current() ?? null
  }

  /**
   * Fetches a new token now (Ably's `authorize`). Given `tokenParams` and `authOptions` become
   * the defaults for later renewals.
   */
  async authorize(tokenParams, authOptions) {
    try {
      const o = authOptions ?? undefined
      const callback = o === undefined ? undefined : wrapCallback(o.authCallback, this.#causes)
      return await this.#native.authorize(tokenParams ?? undefined, o === undefined ? undefined : authOf(o), callback)
    } catch (e) {
      throw this.#causes.map(e)
    }
  }

  /**
   * A server refused `token` (`'refused'`: expired or revoked, Ably 40140–40149; `'notFound'`:
   * an unknown auth token). Resolves to the token to retry with, once; the refused one is never
   * handed out again. A session that cannot renew rejects (and on `'notFound'` logs out).
   */
  async recover(token, kind) {
    try {
      return await this.#native.recover(token, kind ?? undefined)
    } catch (e) {
      throw this.#causes.map(e)
    }
  }

  /** Logs in with a user's auth token (`PUT /v3.0/me`); resolves to the user. */
  async login(authToken, options) {
    try {
      return await this.#native.login(authToken, options ?? undefined)
    } catch (e) {
      throw this.#causes.map(e)
    }
  }

  /** The logged-in user, or null. */
  currentUser() {
    return this.#native.currentUser() ?? null
  }

  /** Ends the login, here and at the service. */
  async logout() {
    try {
      return await this.#native.logout()
    } catch (e) {
      throw this.#causes.map(e)
    }
  }

  /** Records the server's current time (ms since the epoch). */
  setServerTime(serverNowMs) {
    try {
      this.#native.setServerTime(serverNowMs)
    } catch (e) {
      throw fromNative(e)
    }
  }

  /** Provider fetches so far, retries included. */
  get fetches() {
    return this.#native.fetches
  }

  /** Listens to `tokenWillExpire`, `renewed`, `tokenExpired`, `renewFailed` or `loggedOut`. */
  on(event, listener) {
    if (!EVENTS.has(event)) throw new TypeError(`unknown session event: ${String(event)}`)
    if (typeof listener !== 'function') throw new TypeError('listener must be a function')
    if (!this.#listeners.has(event)) this.#listeners.set(event, [])
    this.#listeners.get(event).push(listener)
    return this
  }

  /** Removes a listener added with `on` (its last registration). */
  off(event, listener) {
    const list = this.#listeners.get(event)
    const i = list ? list.lastIndexOf(listener) : -1
    if (i >= 0) list.splice(i, 1)
    return this
  }

  /** Stops renewing and releases the callbacks; later calls reject with SessionClosedError. */
  close() {
    this.#native.close()
  }
}

module.exports = { Session }
