// The REST client against the service started in-process by serve(), route by route, and the
// real `ably` npm client pointed at the same service.
const http = require('node:http')
const Ably = require('ably')
const ts = require('tokensmith')
const { rejected } = require('./helpers')
const { agora } = ts

let server
let admin

beforeAll(async () => {
  server = await ts.serve()
  admin = server.client()
})

afterAll(() => server.close())


describe('serve()', () => {
  test('listens on loopback with a generated app, credentials not enumerable', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(Object.keys(server)).toEqual(['url'])
    const app = server.app
    expect(app.appId).toBe('test')
    expect(app.apiKey).toMatch(/^[0-9a-f]{40}$/)
    expect(app.authOnlyKey).not.toBe(app.apiKey)
    expect(app.ablyKey).toMatch(/^test\.[0-9a-f]+:[0-9a-f]+$/)
    expect(app.agoraAppId).toMatch(/^[0-9a-f]{32}$/)
    await admin.healthz()
    await admin.readyz()
    const now = await admin.time()
    expect(Math.abs(now - Date.now())).toBeLessThan(60_000)
  })

  test('close() stops it, is idempotent, and later calls fail to connect', async () => {
    const s = await ts.serve({ appId: 'closing' })
    const c = s.client({ retries: 0 })
    await c.healthz()
    await s.close()
    await s.close()
    const e = await rejected(c.healthz())
    expect(e).toBeInstanceOf(ts.NetworkError)
  })

  test('given apps are used as given (camelCase keys), bad ones are refused without echoing secrets', async () => {
    const s = await ts.serve({
      apps: [{ id: 'given', apiKeys: [{ key: 'given-full-access-key-0123', scope: 'fullAccess' }], retention: 2 }],
    })
    try {
      expect(s.app).toEqual({ appId: 'given', apiKey: 'given-full-access-key-0123' })
      await s.client().createUser({ uid: 'u1', name: 'U1' })
    } finally {
      await s.close()
    }
    const e = await rejected(ts.serve({ apps: [{ id: 'bad', apiKeys: [{ key: 'very-secret-key-0123', scope: 'root' }] }] }))
    expect(e).toBeInstanceOf(ts.InvalidArgumentError)
    expect(e.message).toContain('unknown variant')
    expect(e.message).not.toContain('very-secret-key')
  })
})

describe('users and auth tokens (apiKey)', () => {
  test('create, get, duplicate, delete', async () => {
    const created = await admin.createUser({ uid: 'ann', name: 'Ann', metadata: { team: 'a' }, withAuthToken: true })
    expect(created).toMatchObject({ uid: 'ann', name: 'Ann', metadata: { team: 'a' } })
    expect(created.authToken).toMatch(/^tks_/)
    const user = await admin.getUser('ann')
    expect(user).toMatchObject({ uid: 'ann', name: 'Ann' })
    expect(user.createdAt).toBeGreaterThan(1_600_000_000)

    const dup = await rejected(admin.createUser({ uid: 'ann', name: 'Again' }))
    expect(dup).toBeInstanceOf(ts.UidAlreadyExistsError)
    expect(dup.status).toBe(400)
    expect(dup.serverCode).toBe('ERR_UID_ALREADY_EXISTS')

    expect(await admin.deleteUser('ann')).toMatchObject({ success: true })
    const gone = await rejected(admin.getUser('ann'))
    expect(gone).toBeInstanceOf(ts.UserNotFoundError)
    expect(gone.status).toBe(404)
    // The user's token went with it.
    expect(await rejected(admin.withAuthToken(created.authToken).me())).toBeInstanceOf(ts.AuthTokenNotFoundError)
  })

  test('create, paginate, get, update, delete and flush tokens', async () => {
    await admin.createUser({ uid: 'bob', name: 'Bob' })
    const minted = []
    for (const device of ['d1', 'd2', 'd3']) {
      minted.push(await admin.createAuthToken('bob', { platform: 'web', deviceId: device }, { force: true }))
    }
    for (const t of minted) expect(t.authToken).toMatch(/^tks_/)

    const first = await admin.listAuthTokens('bob', { page: 1, perPage: 2 })
    expect(first.items).toHaveLength(2)
    expect(first.pagination).toMatchObject({ total: 3, count: 2, per_page: 2, current_page: 1, total_pages: 2 })
    expect(first.items[0].deviceId).toBe('d3') // newest first
    const second = await admin.listAuthTokens('bob', { page: 2, perPage: 2 })
    expect(second.items.map((t) => t.deviceId)).toEqual(['d1'])
    const past = await admin.listAuthTokens('bob', { page: 3, perPage: 2 })
    expect(past.items).toEqual([])
    const all = await admin.listAllAuthTokens('bob')
    expect(all.map((t) => t.deviceId)).toEqual(['d3', 'd2', 'd1'])
    expect(all.every((t) => !t.authToken || !t.authToken.startsWith('tks_'))).toBe(true) // never the raw token

    const byId = await admin.getAuthToken('bob', all[2].id)
    const byRaw = await admin.getAuthToken('bob', minted[0].authToken)
    expect(byRaw.id).toBe(byId.id)
    const updated = await admin.updateAuthToken('bob', byId.id, { platform: 'ios' })
    expect(updated).toMatchObject({ platform: 'ios', deviceId: 'd1' })

    await admin.deleteAuthToken('bob', byId.id)
    const missing = await rejected(admin.getAuthToken('bob', byId.id))
    expect(missing).toBeInstanceOf(ts.AuthTokenNotFoundError)
    expect(await admin.flushAuthTokens('bob')).toMatchObject({ success: true })
    expect((await admin.listAuthTokens('bob')).items).toEqual([])
  })

  test('a wrong API key is refused; an authOnly key only creates', async () => {
    const stranger = new ts.Client({ baseUrl: server.url, appId: 'test', apiKey: 'not-a-key-of-this-app' })
    const e = await rejected(stranger.getUser('anyone'))
    expect(e).toBeInstanceOf(ts.UnauthorizedError)
    expect(e.status).toBe(401)

    const authOnly = server.client({ apiKey: server.app.authOnlyKey })
    const made = await authOnly.createUser({ uid: 'cat', name: 'Cat', withAuthToken: true })
    expect(made.authToken).toMatch(/^tks_/)
    const refused = await rejected(authOnly.deleteUser('cat'))
    expect(refused).toBeInstanceOf(ts.UnauthorizedError)
    expect(refused.status).toBe(403)
  })
})

describe('the logged-in user (authToken)', () => {
  test('login, me, push, logout; unknown tokens are AUTH_TOKEN_NOT_FOUND', async () => {
    const { authToken } = await admin.createUser({ uid: 'dan', name: 'Dan', withAuthToken: true })
    const phone = admin.withAuthToken(authToken)
    const me = await phone.login({ platform: 'ios', deviceId: 'iphone', appInfo: { version: '1.2' } })
    expect(me).toMatchObject({ uid: 'dan', name: 'Dan' })
    expect(await phone.me()).toMatchObject({ uid: 'dan' })
    const tokens = await admin.listAllAuthTokens('dan')
    expect(tokens[0]).toMatchObject({ platform: 'ios', deviceId: 'iphone', appInfo: { version: '1.2' } })

    const browser = admin.withAuthToken((await admin.createAuthToken('dan', { platform: 'web' })).authToken)
    await phone.registerPush({ apnsToken: 'apns-1', voipToken: 'voip-1' })
    await browser.registerPush({ fcmToken: 'fcm-web-1' })
    expect(await phone.listPush()).toEqual({ ios: ['apns-1'], web: ['fcm-web-1'], android: [] })
    await phone.deletePush()
    expect(await browser.listPush()).toEqual({ ios: [], web: ['fcm-web-1'], android: [] })
    await browser.registerPush({ fcmToken: 'fcm-web-2' }) // replaces this session's entry
    expect((await browser.listPush()).web).toEqual(['fcm-web-2'])
    await browser.deletePush({ all: true })
    expect(await browser.listPush()).toEqual({ ios: [], web: [], android: [] })

    expect(await phone.logout()).toMatchObject({ success: true })
    const out = await rejected(phone.me())
    expect(out).toBeInstanceOf(ts.AuthTokenNotFoundError)
    expect(out.status).toBe(401)
    expect(out.serverCode).toBe('AUTH_ERR_AUTH_TOKEN_NOT_FOUND')
    const unknown = await rejected(admin.withAuthToken(ts.authToken.generate()).me())
    expect(unknown).toBeInstanceOf(ts.AuthTokenNotFoundError)
    expect(unknown.message).not.toContain('tks_')
  })
})

describe('rate limits', () => {
  test('429 with Retry-After: refused at once when the wait is longer than the client will wait', async () => {
    const s = await ts.serve({ appId: 'limited', rateLimitPerMinute: 2 })
    try {
      const c = s.client({ maxRetryAfterMs: 0 })
      await c.createUser({ uid: 'r1', name: 'R1' })
      await c.getUser('r1')
      const e = await rejected(c.getUser('r1'))
      expect(e).toBeInstanceOf(ts.RateLimitedError)
      expect(e.status).toBe(429)
      expect(e.retryAfterMs).toBeGreaterThanOrEqual(1000)
      expect(e.retryAfterMs).toBeLessThanOrEqual(60_000)
    } finally {
      await s.close()
    }
  })

  test('a 429 with a short Retry-After is waited out and retried', async () => {
    // A stand-in server: refuses the first /time with Retry-After: 1, answers the second.
    let hits = 0
    const fake = http.createServer((req, res) => {
      hits += 1
      if (hits === 1) {
        res.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' })
        res.end('{"error":{"code":"ERR_TOO_MANY_REQUESTS","message":"slow down"}}')
      } else {
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end('[1700000000000]')
      }
    })
    await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve))
    try {
      const c = new ts.Client({ baseUrl: `http://127.0.0.1:${fake.address().port}`, retries: 1 })
      expect(await c.time()).toBe(1_700_000_000_000)
      expect(hits).toBe(2)
    } finally {
      fake.close()
    }
  })
})

describe('Ably routes', () => {
  test('requestToken with TokenParams and with a signed request from /auth/ably; replays refused', async () => {
    const details = await admin.requestToken({ clientId: 'eve', ttl: 60_000, capability: { 'chat:*': ['subscribe'] } })
    expect(details).toMatchObject({ clientId: 'eve', capability: '{"chat:*":["subscribe"]}' })
    expect(details.expires - details.issued).toBe(60_000)
    expect(ts.ably.verifyToken(details.token, keyOf(server.app.ablyKey)).exp).toBeGreaterThan(0)

    const { authToken } = await admin.createUser({ uid: 'eve', name: 'Eve', withAuthToken: true })
    const signed = await admin.withAuthToken(authToken).authAbly()
    expect(signed).toMatchObject({ keyName: keyOf(server.app.ablyKey).keyName, clientId: 'eve' })
    const anonymous = new ts.Client({ baseUrl: server.url })
    const exchanged = await anonymous.requestToken(signed)
    expect(exchanged.clientId).toBe('eve')
    expect(await rejected(anonymous.requestToken(signed))).toBeInstanceOf(ts.ReplayedNonceError)

    const result = await admin.revokeTokens(['clientId:eve'])
    expect(result).toMatchObject({ successCount: 1, failureCount: 0 })
    expect(result.results[0]).toMatchObject({ target: 'clientId:eve' })
    expect(result.results[0].appliesAt).toBeGreaterThan(0)
    const noKey = await rejected(anonymous.revokeTokens(['clientId:eve']))
    expect(noKey).toBeInstanceOf(ts.InvalidArgumentError)
  })

  test('the ably npm client completes requestToken through our authUrl, and revokeTokens with our key', async () => {
    const { authToken } = await admin.createUser({ uid: 'fay', name: 'Fay', withAuthToken: true })
    const { port } = new URL(server.url)
    const common = { restHost: '127.0.0.1', port: Number(port), tls: false, logLevel: 0 }
    const user = new Ably.Rest({ ...common, authUrl: `${server.url}/auth/ably`, authHeaders: { authtoken: authToken } })
    const details = await user.auth.requestToken()
    expect(details.clientId).toBe('fay')
    expect(details.token).toBeTruthy()
    expect(details.expires).toBeGreaterThan(details.issued)

    const keyed = new Ably.Rest({ ...common, key: server.app.ablyKey })
    const result = await keyed.auth.revokeTokens([{ type: 'clientId', value: 'fay' }])
    expect(result.successCount).toBe(1)
    expect(result.results[0].target).toBe('clientId:fay')

    const refused = new Ably.Rest({ ...common, authUrl: `${server.url}/auth/ably`, authHeaders: { authtoken: 'tks_nope' } })
    // Our authUrl answers an unknown auth token with 403 (RSA4d: renewing cannot help, so the SDK stops).
    await expect(refused.auth.requestToken()).rejects.toMatchObject({ statusCode: 403, code: 40300 })
  })
})

describe('Agora token server', () => {
  test('user and app tokens for a caller with a credential', async () => {
    const app = server.app
    const userToken = await admin.generateUserToken('gil', 600)
    const parsed = agora.verify(userToken, app.agoraAppCertificate)
    expect(parsed.appId).toBe(app.agoraAppId)
    expect(parsed.services[0].userId).toBe('gil')
    const appToken = await admin.generateAppToken(600)
    expect(agora.verify(appToken, app.agoraAppCertificate).services[0].name).toBe('chat')
    expect(agora.parse(await admin.tokenGenerate('gil', 300, 'user')).expire).toBe(300)
    expect(agora.parse(await admin.tokenGenerate('gil', 300, 'app')).appId).toBe(app.agoraAppId)

    const { authToken } = await admin.createUser({ uid: 'gil', name: 'Gil', withAuthToken: true })
    const gil = new ts.Client({ baseUrl: server.url, appId: 'test', authToken })
    expect(agora.parse(await gil.generateUserToken('gil', 60)).services[0].userId).toBe('gil')
    expect(await rejected(gil.generateUserToken('someone-else', 60))).toBeInstanceOf(ts.TokensmithError)
    const stranger = new ts.Client({ baseUrl: server.url, appId: 'test', apiKey: 'not-a-key-of-this-app' })
    expect(await rejected(stranger.generateAppToken(60))).toBeInstanceOf(ts.UnauthorizedError)
  })
})

function keyOf(ablyKey) {
  const at = ablyKey.indexOf(':')
  return { keyName: ablyKey.slice(0, at), keySecret: ablyKey.slice(at + 1) }
}
