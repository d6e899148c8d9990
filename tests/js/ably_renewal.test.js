// The real `ably` npm client (ably-js) with our `/auth/ably` as its authUrl, renewing through our
// service (issue #5): when its token expires, when our service revokes it, and when our authUrl
// refuses. A loopback proxy in front of ts.serve() records every request ably-js makes (which
// route, which token it presents, what we answered), so each test checks the exchange on the
// wire as well as the client's state.
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const Ably = require('ably')
const ts = require('tokensmith')
const { rejected } = require('./helpers')

let server
let admin
let proxy
let key
let dir
let store

beforeAll(async () => {
  // SQLite, so that a second handle on the same store can revoke one token at the service.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tokensmith-ably-renewal-'))
  const url = `sqlite://${path.join(dir, 'store.db')}`
  server = await ts.serve({ store: url })
  store = new ts.Tokensmith({ store: url, app: server.app.appId })
  admin = server.client()
  proxy = await startProxy(server.url)
  const at = server.app.ablyKey.indexOf(':')
  key = { keyName: server.app.ablyKey.slice(0, at), keySecret: server.app.ablyKey.slice(at + 1) }
})

afterAll(async () => {
  await proxy.close()
  await store.close()
  await server.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

afterEach(() => {
  // A client that loops would have blown the proxy's fuse (see startProxy).
  const blown = proxy.fuseBlown
  Object.assign(proxy, { onRequest: null, fuseBlown: false, authUrlCount: 0 })
  expect(blown).toBe(false)
})

/** An ably-js REST client whose every request, its authUrl included, goes through the proxy. */
function userClient(authToken, options = {}) {
  return new Ably.Rest({
    restHost: '127.0.0.1',
    port: proxy.port,
    tls: false,
    logLevel: 0,
    authUrl: `${proxy.url}/auth/ably`,
    authHeaders: { authtoken: authToken },
    ...options,
  })
}

/**
 * A call ably-js makes with its token: `POST /keys/{keyName}/requestToken` with token auth, the
 * route of ours that verifies a presented Ably token (revocation included) before answering.
 */
function callWithToken(rest) {
  return rest.request('post', `/keys/${key.keyName}/requestToken`, 3, null, {}, null)
}

/** What our service answers to this Ably token presented as ably-js does, asked directly. */
async function presentToken(token) {
  const res = await fetch(`${server.url}/keys/${key.keyName}/requestToken`, {
    method: 'POST',
    headers: { authorization: `Bearer ${Buffer.from(token).toString('base64')}`, 'content-type': 'application/json' },
    body: '{}',
  })
  await res.arrayBuffer()
  return { status: res.status, code: Number(res.headers.get('x-ably-errorcode')) || null }
}

/** Polls `check` until it is true; fails after `timeoutMs`. */
async function until(check, timeoutMs = 5000, what = 'condition') {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}


/** `route status` for each logged request, e.g. `authUrl 200`, `token 401/40141`. */
function summary(entries) {
  return entries.map((e) => `${e.route} ${e.status}${e.ablyCode ? `/${e.ablyCode}` : ''}`)
}

async function newUser(uid) {
  const { authToken } = await admin.createUser({ uid, name: uid, withAuthToken: true })
  return authToken
}

describe('the ably npm client renews through our /auth/ably', () => {
  test('expiry: a 2 s token expires, ably-js renews through our authUrl first and the call carries the new token', async () => {
    const uid = 'renew-expiry'
    const rest = userClient(await newUser(uid), { defaultTokenParams: { ttl: 2000 } })
    // Our GET /time gives ably-js the server clock, so it judges expiry itself before a call
    // (RSA4b1). Without it ably-js 2.28 sends the expired token, gets our 40142 and loops on the
    // retry (ably-js#2193, see the single-token revocation test).
    await rest.time()
    // Tokens are issued at a whole second (JWT times are seconds); start early in one so the
    // first token has well over a second to live.
    await until(() => Date.now() % 1000 < 500, 2000, 'the start of a second')

    const mark = proxy.log.length
    expect((await callWithToken(rest)).statusCode).toBe(200)
    const first = rest.auth.tokenDetails
    expect(first.clientId).toBe(uid)
    expect(first.expires - first.issued).toBe(2000)

    // Expired at our service (it refuses the token with 40142) and by ably-js's server clock.
    await until(
      async () => (await presentToken(first.token)).code === 40142 && Date.now() + rest.serverTimeOffset > first.expires,
      5000,
      'the first token to expire',
    )

    const second = await callWithToken(rest)
    expect(second.statusCode).toBe(200)
    expect(second.items[0].clientId).toBe(uid)
    const renewed = rest.auth.tokenDetails
    expect(renewed.token).not.toBe(first.token)
    expect(renewed.clientId).toBe(uid)
    expect(renewed.expires - renewed.issued).toBe(2000)
    expect(ts.ably.verifyToken(renewed.token, key, { clientId: uid }).exp * 1000).toBe(renewed.expires)

    const seen = proxy.log.slice(mark)
    expect(summary(seen)).toEqual([
      'authUrl 200', 'exchange 200', 'token 200', // first call: fetch a token, then use it
      'authUrl 200', 'exchange 200', 'token 200', // after expiry: renew through our authUrl first
    ])
    // Both fetches sent the ttl of defaultTokenParams to our authUrl, which honoured it.
    expect(seen.filter((e) => e.route === 'authUrl').map((e) => e.query.get('ttl'))).toEqual(['2000', '2000'])
    expect(seen[2].bearer).toBe(first.token)
    expect(seen[5].bearer).toBe(renewed.token)
  })

  test('revokeTokens by clientId ends the whole session: our 40141, one authUrl try refused with 403, then ably-js stops', async () => {
    const uid = 'renew-revoked-user'
    const rest = userClient(await newUser(uid))
    expect((await callWithToken(rest)).statusCode).toBe(200)
    const revoked = rest.auth.tokenDetails.token

    const keyed = new Ably.Rest({ restHost: '127.0.0.1', port: proxy.port, tls: false, logLevel: 0, key: server.app.ablyKey })
    const result = await keyed.auth.revokeTokens([{ type: 'clientId', value: uid }])
    expect(result.successCount).toBe(1)
    // ably-js still holds the token and believes it valid.
    expect(rest.auth.tokenDetails.token).toBe(revoked)

    // Our revocation by clientId covers every token of that user, its auth tokens included, so
    // the renewal through our authUrl is refused with 403 and ably-js gives up (RSA4d).
    const mark = proxy.log.length
    const error = await rejected(callWithToken(rest))
    expect(error).toMatchObject({ statusCode: 403, code: 40300 })
    const seen = proxy.log.slice(mark)
    expect(summary(seen)).toEqual(['token 401/40141', 'authUrl 403/40300'])
    expect(seen[0].bearer).toBe(revoked)
    expect(rest.auth.tokenDetails ?? null).toBeNull()
  })

  test('one token revoked at our service, the session alive: our 40141 makes ably-js renew through our authUrl', async () => {
    const uid = 'renew-revoked-token'
    const authToken = await newUser(uid)
    const rest = userClient(authToken)
    expect((await callWithToken(rest)).statusCode).toBe(200)
    const { token: revoked, issued } = rest.auth.tokenDetails
    // Our JWTs carry whole-second times and nothing unique, so a token issued in the same second
    // with the same params is byte-identical to this one, revoked with it: renew from the next.
    await until(() => Date.now() >= issued + 1000, 2000, 'the next second')

    // Revoke this one token in the service's store (Ably's REST API has no single-token target).
    await store.revokeToken(revoked)
    expect(rest.auth.tokenDetails.token).toBe(revoked)
    expect(await presentToken(revoked)).toEqual({ status: 401, code: 40141 })

    // `held`: the token ably-js holds as each request leaves it. ably-js 2.28 retries a refused
    // call with the token it first sent, not the renewed one, and renews again without a cap
    // (ably-js#2193; spec ably-token-auth.md §9). Ending the user's session at our service on the
    // second renewal (its auth token deleted) makes our authUrl answer 403, which stops it.
    let authUrlHits = 0
    proxy.onRequest = async (entry) => {
      entry.held = rest.auth.tokenDetails?.token
      if (entry.route === 'authUrl' && ++authUrlHits === 2) await admin.deleteAuthToken(uid, authToken)
    }
    const mark = proxy.log.length
    const outcome = await callWithToken(rest).then(
      () => {
        throw new Error('the call succeeded: ably-js now retries with the renewed token (ably-js#2193 fixed); assert that here')
      },
      (e) => e,
    )
    proxy.onRequest = null
    expect(outcome).toMatchObject({ statusCode: 403, code: 40300 })

    const seen = proxy.log.slice(mark)
    expect(summary(seen)).toEqual([
      'token 401/40141', // the revoked token, refused by our service
      'authUrl 200', // so ably-js renews through our authUrl…
      'exchange 200', // …and our service issues it a new token
      'token 401/40141', // ably-js#2193: the retry presents the revoked token again, refused again
      'authUrl 403/40300', // (the session ended) our authUrl refuses and ably-js stops
    ])
    expect(seen[0].bearer).toBe(revoked)
    expect(seen[3].bearer).toBe(revoked)
    const renewed = seen[3].held
    expect(renewed).toBeTruthy()
    expect(renewed).not.toBe(revoked)
    // The renewed token is ours, for the same clientId, and our service accepts it.
    expect(ts.ably.verifyToken(renewed, key, { clientId: uid }).exp).toBeGreaterThan(0)
    const holder = new Ably.Rest({ restHost: '127.0.0.1', port: proxy.port, tls: false, logLevel: 0, token: renewed })
    const accepted = await callWithToken(holder)
    expect(accepted.statusCode).toBe(200)
    expect(accepted.items[0].clientId).toBe(uid)
    expect(proxy.log.at(-1)).toMatchObject({ route: 'token', bearer: renewed, status: 200 })
  })

  test('terminal: an authUrl that refuses (unknown auth token → 403) stops ably-js with an error, one fetch per call', async () => {
    const rest = userClient(ts.authToken.generate())
    for (let round = 0; round < 2; round++) {
      const mark = proxy.log.length
      const error = await rejected(callWithToken(rest))
      expect(error).toMatchObject({ statusCode: 403, code: 40300 })
      // One authUrl hit and nothing else: no token was ever presented, nothing retried.
      expect(summary(proxy.log.slice(mark))).toEqual(['authUrl 403/40300'])
      expect(rest.auth.tokenDetails ?? null).toBeNull()
    }
  })
})

/**
 * An HTTP proxy on 127.0.0.1 in front of `target` that logs each request: `route` (`authUrl`,
 * `exchange` = a TokenRequest or Basic-auth call at requestToken, `token` = token auth there,
 * or the path), the presented `bearer` token (decoded as ably-js base64-encodes it), the `query`,
 * and our answer's `status` and `ablyCode`. `onRequest(entry)`, when set, runs before the
 * request is forwarded. Its fuse: after 20 authUrl requests it answers 403 itself, so a client
 * that loops stops (and afterEach fails the test) instead of hammering the service.
 */
function startProxy(target) {
  const upstream = new URL(target)
  const state = { log: [], onRequest: null, fuseBlown: false, authUrlCount: 0 }
  const srv = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://proxy')
    const auth = req.headers.authorization ?? ''
    const bearer = auth.startsWith('Bearer ') ? Buffer.from(auth.slice(7), 'base64').toString() : null
    let route = url.pathname
    if (route === '/auth/ably') route = 'authUrl'
    else if (route.endsWith('/requestToken')) route = bearer ? 'token' : 'exchange'
    const entry = { route, bearer, query: url.searchParams, status: null, ablyCode: null }
    state.log.push(entry)
    if (route === 'authUrl' && ++state.authUrlCount > 20) {
      state.fuseBlown = true
      entry.status = 403
      res.writeHead(403, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: { code: 40300, statusCode: 403, message: 'proxy fuse: client loops' } }))
      return
    }
    try {
      if (state.onRequest) await state.onRequest(entry)
    } catch (e) {
      entry.hookError = e // the test sees a request that never got an answer
      res.destroy()
      return
    }
    const headers = { ...req.headers, host: upstream.host }
    const up = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (r) => {
      entry.status = r.statusCode
      entry.ablyCode = Number(r.headers['x-ably-errorcode']) || null
      res.writeHead(r.statusCode, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  return new Promise((resolve) => {
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      resolve(
        Object.assign(state, {
          port,
          url: `http://127.0.0.1:${port}`,
          close: () => new Promise((done) => srv.close(done)),
        }),
      )
    })
  })
}
