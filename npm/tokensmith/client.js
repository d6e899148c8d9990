'use strict'
// `Client`: the REST client of the tokensmith service (and of CometChat's hosted API and Ably's
// token endpoints). One Promise method per route; failures reject with the TokensmithError
// subclass of the server's code (`err.status`, `err.serverCode` and `err.retryAfterMs` keep
// what the server said). `serve()`: the service itself, in this process.
const native = require('./native')
const { fromNative } = require('./errors')

/** Runs a native call; a synchronous throw or a rejection becomes a mapped rejection. */
async function call(fn) {
  try {
    return await fn()
  } catch (e) {
    throw fromNative(e)
  }
}

const NONE = Object.freeze({})

class Client {
  #n

  /**
   * @param {object} options `baseUrl` (required), `apiKey`, `appId`, `authToken`, `ablyKey`
   *   (`name:secret`), `timeoutMs`, `retries`, `maxRetryAfterMs`.
   */
  constructor(options) {
    if (options instanceof native.NativeClient) {
      this.#n = options
      return
    }
    try {
      this.#n = new native.NativeClient(options ?? NONE)
    } catch (e) {
      throw fromNative(e)
    }
  }

  /** The same client acting for the user of `authToken` (shares connections and settings). */
  withAuthToken(authToken) {
    return new Client(this.#n.withAuthToken(authToken))
  }

  healthz() {
    return call(() => this.#n.healthz())
  }
  readyz() {
    return call(() => this.#n.readyz())
  }

  // Users and auth tokens (apiKey).
  createUser(user) {
    return call(() => this.#n.createUser(user))
  }
  getUser(uid) {
    return call(() => this.#n.getUser(uid))
  }
  deleteUser(uid) {
    return call(() => this.#n.deleteUser(uid))
  }
  createAuthToken(uid, meta, options) {
    return call(() => this.#n.createAuthToken(uid, meta, options))
  }
  listAuthTokens(uid, options) {
    const { page, perPage } = options ?? NONE
    return call(() => this.#n.listAuthTokens(uid, page, perPage))
  }
  listAllAuthTokens(uid) {
    return call(() => this.#n.listAllAuthTokens(uid))
  }
  getAuthToken(uid, tokenOrId) {
    return call(() => this.#n.getAuthToken(uid, tokenOrId))
  }
  updateAuthToken(uid, tokenOrId, meta) {
    return call(() => this.#n.updateAuthToken(uid, tokenOrId, meta))
  }
  deleteAuthToken(uid, tokenOrId) {
    return call(() => this.#n.deleteAuthToken(uid, tokenOrId))
  }
  flushAuthTokens(uid) {
    return call(() => this.#n.flushAuthTokens(uid))
  }

  // The logged-in user and push (authToken).
  login(meta) {
    return call(() => this.#n.login(meta))
  }
  me() {
    return call(() => this.#n.me())
  }
  logout() {
    return call(() => this.#n.logout())
  }
  registerPush(tokens) {
    return call(() => this.#n.registerPush(tokens))
  }
  listPush() {
    return call(() => this.#n.listPush())
  }
  deletePush(options) {
    return call(() => this.#n.deletePush(options))
  }

  // Ably.
  requestToken(request) {
    return call(() => this.#n.requestToken(request))
  }
  revokeTokens(targets, options) {
    return call(() => this.#n.revokeTokens(targets, options))
  }
  time() {
    return call(() => this.#n.time())
  }
  authAbly(params) {
    return call(() => this.#n.authAbly(params))
  }

  // Agora token server.
  generateUserToken(userUuid, expire) {
    return call(() => this.#n.generateUserToken(userUuid, expire))
  }
  generateAppToken(expire) {
    return call(() => this.#n.generateAppToken(expire))
  }
  tokenGenerate(userId, expireSeconds, tokenType) {
    return call(() => this.#n.tokenGenerate(userId, expireSeconds, tokenType))
  }
}

/**
 * A running service. It never keeps the process alive (it runs on the addon's own threads), so
 * a test suite that forgets `close()` still exits; `close()` lets in-flight requests finish.
 */
class Server {
  #n

  constructor(n) {
    this.#n = n
    /** `http://127.0.0.1:PORT`. */
    this.url = n.url
  }

  /** The first app's credentials (the generated app's, when no `apps` were given). Not enumerable. */
  get app() {
    return this.#n.app
  }

  /** Stops accepting, lets in-flight requests finish, then resolves. Idempotent. */
  close() {
    return call(() => this.#n.close())
  }

  /** A Client for this server as the first app's admin (its fullAccess key and Ably key). */
  client(options) {
    const app = this.#n.app ?? NONE
    return new Client({ baseUrl: this.url, appId: app.appId, apiKey: app.apiKey, ablyKey: app.ablyKey, ...options })
  }
}

if (typeof Symbol.asyncDispose === 'symbol') {
  Server.prototype[Symbol.asyncDispose] = Server.prototype.close
}

/** Starts the service in this process on 127.0.0.1 and an ephemeral port (see `ServeOptions`). */
async function serve(options) {
  return new Server(await call(() => native.serve(options)))
}

module.exports = { Client, Server, serve }
