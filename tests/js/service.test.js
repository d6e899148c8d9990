// The retention service (`new Tokensmith({ store })`) against SQLite (a temp dir) and Redis (a
// redis-server started here on a free port): users, auth tokens with retention, revocation,
// push, typed errors, close(), and that a process using it exits by itself.
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const util = require('node:util')
const { spawn, spawnSync } = require('node:child_process')
const tokensmith = require('tokensmith')
const { REPO_ROOT, rejected } = require('./helpers')

const {
  Tokensmith,
  ably,
  agora,
  authToken,
  TokensmithError,
  InvalidArgumentError,
  MalformedTokenError,
  TokenExpiredError,
  TokenRevokedError,
  ReplayedNonceError,
  UidAlreadyExistsError,
  UserNotFoundError,
  AuthTokenNotFoundError,
  StoreUnavailableError,
} = tokensmith

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))


async function expectRejects(promise, Cls, props) {
  const err = await rejected(promise)
  expect(err).toBeInstanceOf(Cls)
  if (Cls !== TypeError) expect(err).toBeInstanceOf(TokensmithError)
  if (props) expect(err).toMatchObject(props)
  return err
}

/** Every rendering of an error a log line could show. */
const renderings = (err) => [err.message, String(err), err.stack, util.inspect(err), JSON.stringify(err)]

// --- a private redis-server ------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolve(port))
    })
  })
}

/** One raw `PING` over TCP; resolves true on `+PONG`. */
function ping(port) {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1')
    let reply = ''
    const done = (ok) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.once('error', () => done(false))
    sock.on('connect', () => sock.write('PING\r\n'))
    sock.on('data', (d) => {
      reply += d
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'))
    })
  })
}

const redis = { proc: null, port: 0, exited: null }

async function startRedis() {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
  if (probe.error) {
    throw new Error(`redis-server is not installed (${probe.error.code}): run scripts/test.sh, which installs it`)
  }
  redis.port = await freePort()
  const args = ['--port', String(redis.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']
  redis.proc = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] })
  redis.proc.on('exit', (code, signal) => {
    redis.exited = { code, signal }
  })
  const deadline = Date.now() + 10000
  while (!(await ping(redis.port))) {
    if (redis.exited) throw new Error(`redis-server exited early: ${JSON.stringify(redis.exited)}`)
    if (Date.now() > deadline) throw new Error(`redis-server did not answer PING on port ${redis.port}`)
    await sleep(50)
  }
}

// --- the backends ----------------------------------------------------------------------------

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokensmith-jest-'))
const BACKENDS = [
  ['sqlite', () => `sqlite://${path.join(tmp, 'tokensmith.db')}`],
  ['redis', () => `redis://127.0.0.1:${redis.port}/0`],
]

beforeAll(startRedis, 20000)

afterAll(() => {
  if (redis.proc && !redis.exited) redis.proc.kill('SIGKILL')
  fs.rmSync(tmp, { recursive: true, force: true })
})

let apps = 0
const opened = []

/** A service on `store`, in an app of its own (tests never see each other's data). */
function service(store, options = {}) {
  const ts = new Tokensmith({ store, app: `jest-${process.pid}-${++apps}`, ...options })
  opened.push(ts)
  return ts
}

afterAll(() => Promise.all(opened.map((ts) => ts.close())))

describe.each(BACKENDS)('%s', (_name, storeUrl) => {
  let ts
  beforeAll(() => {
    ts = service(storeUrl())
  })

  describe('users', () => {
    test('create, get, delete; uids are case-insensitive', async () => {
      const before = Date.now()
      const created = await ts.users.create({ uid: 'Alice', name: 'Alice A.', profile: { role: 'admin', tags: ['a'] } })
      expect(created).toEqual({
        user: { uid: 'alice', name: 'Alice A.', createdAt: expect.any(Number), profile: { role: 'admin', tags: ['a'] } },
      })
      // Users carry Unix milliseconds.
      expect(created.user.createdAt).toBeGreaterThanOrEqual(before)
      expect(created.user.createdAt).toBeLessThanOrEqual(Date.now())

      expect(await ts.users.get('ALICE')).toEqual(created.user)
      await expectRejects(ts.users.create({ uid: 'alice' }), UidAlreadyExistsError, { code: 'UID_ALREADY_EXISTS' })

      await expect(ts.users.delete('alice')).resolves.toBeUndefined()
      await expectRejects(ts.users.get('alice'), UserNotFoundError, { code: 'USER_NOT_FOUND' })
      await expectRejects(ts.users.delete('alice'), UserNotFoundError)
    })

    test('the name defaults to the uid; withAuthToken mints the first token once', async () => {
      const { user, authToken: issued } = await ts.users.create({ uid: 'bob', withAuthToken: true, platform: 'web' })
      expect(user.name).toBe('bob')
      expect(user).not.toHaveProperty('profile')
      expect(issued).toMatchObject({ uid: 'bob', archived: false, platform: 'web' })
      expect(() => authToken.check(issued.authToken)).not.toThrow()
      expect(issued.redacted).toBe(authToken.redact(issued.authToken))
      const session = await ts.authTokens.validate(issued.authToken)
      expect(session.user).toEqual(user)
      expect(session.token.id).toBe(issued.id)
    })
  })

  describe('auth tokens', () => {
    const uid = 'carol'
    const issued = []
    beforeAll(async () => {
      await ts.users.create({ uid })
      for (let i = 0; i < 5; i++) {
        issued.push(await ts.authTokens.create(uid, { platform: 'android', deviceId: `device-${i}`, appInfo: { v: i } }))
      }
    })

    test('create returns the raw token once, with an id, a redacted form and the metadata', () => {
      const t = issued[0]
      expect(Object.keys(t).sort()).toEqual(
        ['appInfo', 'archived', 'authToken', 'createdAt', 'deviceId', 'id', 'platform', 'redacted', 'uid'].sort(),
      )
      expect(t.id).toMatch(/^[0-9a-f]{24}$/)
      expect(t.redacted).toBe(`tks_…${t.authToken.slice(-4)}`)
      // Token times are Unix seconds.
      expect(Math.abs(t.createdAt - Date.now() / 1000)).toBeLessThan(60)
      expect(new Set(issued.map((x) => x.authToken)).size).toBe(5)
    })

    test('list: newest first, paged, with totals', async () => {
      const all = await ts.authTokens.list(uid)
      expect(all).toMatchObject({ total: 5, active: 5, archived: 0, page: 1, totalPages: 1 })
      expect(all.tokens.map((t) => t.id)).toEqual(issued.map((t) => t.id).reverse())

      const p2 = await ts.authTokens.list(uid, { page: 2, perPage: 2 })
      expect(p2).toMatchObject({ total: 5, page: 2, perPage: 2, totalPages: 3 })
      expect(p2.tokens.map((t) => t.deviceId)).toEqual(['device-2', 'device-1'])
      const last = await ts.authTokens.list(uid, { page: 3, perPage: 2 })
      expect(last.tokens.map((t) => t.deviceId)).toEqual(['device-0'])
      expect((await ts.authTokens.list(uid, { page: 4, perPage: 2 })).tokens).toEqual([])
    })

    test('get by raw token and by id give the same record, without the raw token', async () => {
      const [t] = issued
      const byToken = await ts.authTokens.get(uid, t.authToken)
      const byId = await ts.authTokens.get(uid, t.id.toUpperCase())
      expect(byToken).toEqual(byId)
      const { authToken: _raw, ...info } = t
      expect(byToken).toEqual(info)
    })

    test('raw tokens never appear in list or get results', async () => {
      const texts = [
        JSON.stringify(await ts.authTokens.list(uid)),
        JSON.stringify(await ts.authTokens.get(uid, issued[1].id)),
        JSON.stringify(await ts.authTokens.validate(issued[1].authToken)),
      ]
      for (const text of texts) for (const t of issued) expect(text).not.toContain(t.authToken)
    })

    test('update is a shallow patch', async () => {
      const t = issued[1]
      const updated = await ts.authTokens.update(uid, t.authToken, { userAgent: 'jest/1', appInfo: { v: 'new' } })
      expect(updated).toMatchObject({ id: t.id, platform: 'android', deviceId: 'device-1', userAgent: 'jest/1', appInfo: { v: 'new' } })
      expect(await ts.authTokens.get(uid, t.id)).toEqual(updated)
    })

    test('validate resolves to the session; delete and flush end tokens', async () => {
      const session = await ts.authTokens.validate(issued[2].authToken)
      expect(session).toEqual({ user: await ts.users.get(uid), token: await ts.authTokens.get(uid, issued[2].id) })

      await expect(ts.authTokens.delete(uid, issued[2].id)).resolves.toBeUndefined()
      await expectRejects(ts.authTokens.validate(issued[2].authToken), AuthTokenNotFoundError)
      await expectRejects(ts.authTokens.get(uid, issued[2].id), AuthTokenNotFoundError, { code: 'AUTH_TOKEN_NOT_FOUND' })
      await expectRejects(ts.authTokens.delete(uid, issued[2].authToken), AuthTokenNotFoundError)

      expect(await ts.authTokens.flush(uid)).toBe(4)
      expect(await ts.authTokens.list(uid)).toMatchObject({ total: 0, tokens: [] })
      await expectRejects(ts.authTokens.validate(issued[0].authToken), AuthTokenNotFoundError)
      await expectRejects(ts.authTokens.flush('nobody'), UserNotFoundError)
    })

    test("a token is only reachable through its own user's uid", async () => {
      await ts.users.create({ uid: 'mallory' })
      const theirs = await ts.authTokens.create('mallory')
      await ts.users.create({ uid: 'trent' })
      await expectRejects(ts.authTokens.get('trent', theirs.authToken), AuthTokenNotFoundError)
      await expectRejects(ts.authTokens.get('trent', theirs.id), AuthTokenNotFoundError)
      await expectRejects(ts.authTokens.delete('trent', theirs.id), AuthTokenNotFoundError)
      await expectRejects(ts.authTokens.get('nobody', theirs.id), UserNotFoundError)
      await expectRejects(ts.authTokens.create('nobody'), UserNotFoundError)
      await ts.authTokens.validate(theirs.authToken)
    })
  })

  describe('policy options', () => {
    test('retention: 3 — the 4th token archives the oldest', async () => {
      const r = service(storeUrl(), { retention: 3 })
      await r.users.create({ uid: 'dan' })
      const tokens = []
      for (let i = 0; i < 4; i++) tokens.push(await r.authTokens.create('dan', { deviceId: `d${i}` }))

      const page = await r.authTokens.list('dan')
      expect(page).toMatchObject({ total: 4, active: 3, archived: 1 })
      // Archived ones are listed after the active ones, marked as such.
      expect(page.tokens.map((t) => [t.deviceId, t.archived])).toEqual([
        ['d3', false],
        ['d2', false],
        ['d1', false],
        ['d0', true],
      ])
      expect(page.tokens[3].archivedAt).toEqual(expect.any(Number))
      expect(await r.authTokens.get('dan', tokens[0].id)).toMatchObject({ archived: true })

      await expectRejects(r.authTokens.validate(tokens[0].authToken), AuthTokenNotFoundError)
      await expectRejects(r.authTokens.update('dan', tokens[0].id, { platform: 'web' }), AuthTokenNotFoundError)
      for (const t of tokens.slice(1)) await r.authTokens.validate(t.authToken)
    })

    test('purgeArchivedAfterMs: purgeArchived() forgets archived tokens', async () => {
      const r = service(storeUrl(), { retention: 1, purgeArchivedAfterMs: 0 })
      await r.users.create({ uid: 'erin' })
      await r.authTokens.create('erin')
      await r.authTokens.create('erin')
      expect(await r.authTokens.list('erin')).toMatchObject({ active: 1, archived: 1 })
      await sleep(5)
      expect(await r.purgeArchived()).toBe(1)
      expect(await r.authTokens.list('erin')).toMatchObject({ total: 1, active: 1, archived: 0 })
      // The default keeps archived tokens for days.
      expect(await ts.purgeArchived()).toBe(0)
    })

    test('tokenTtlMs: tokens expire', async () => {
      const r = service(storeUrl(), { tokenTtlMs: 1 })
      const { authToken: t } = await r.users.create({ uid: 'fay', withAuthToken: true })
      expect(t.expiresAt).toEqual(expect.any(Number))
      await sleep(10)
      await expectRejects(r.authTokens.validate(t.authToken), TokenExpiredError, { code: 'TOKEN_EXPIRED' })
      // Without a ttl they do not expire.
      const { authToken: forever } = await ts.users.create({ uid: 'fay', withAuthToken: true })
      expect(forever).not.toHaveProperty('expiresAt')
    })
  })

  describe('revocation', () => {
    test('revokeSubject revokes the tokens issued before it, not later ones', async () => {
      const { authToken: old } = await ts.users.create({ uid: 'gus', withAuthToken: true })
      await sleep(5)
      const before = Date.now()
      const result = await ts.revokeSubject('gus')
      expect(result.appliesAt).toBe(result.issuedBefore)
      expect(result.issuedBefore).toBeGreaterThanOrEqual(before)
      const err = await expectRejects(ts.authTokens.validate(old.authToken), TokenRevokedError, {
        code: 'TOKEN_REVOKED',
        vendorCode: 40141,
      })
      for (const text of renderings(err)) expect(text).not.toContain(old.authToken)

      await sleep(5)
      const fresh = await ts.authTokens.create('gus')
      await expect(ts.authTokens.validate(fresh.authToken)).resolves.toMatchObject({ user: { uid: 'gus' } })
    })

    test('allowReauthMargin postpones enforcement by reauthMarginMs', async () => {
      const r = service(storeUrl(), { reauthMarginMs: 60000 })
      const { authToken: t } = await r.users.create({ uid: 'hal', withAuthToken: true })
      await sleep(5)
      const result = await r.revokeSubject('hal', { allowReauthMargin: true })
      expect(result.appliesAt - result.issuedBefore).toBe(60000)
      await r.authTokens.validate(t.authToken)
      await expectRejects(r.revokeSubject('hal', { issuedBefore: Date.now() + 60000 }), InvalidArgumentError, {
        field: 'issued_before',
      })
      await expectRejects(r.revokeSubject(''), InvalidArgumentError, { field: 'subject' })
    })

    test('revokeToken and logout end one auth token', async () => {
      await ts.users.create({ uid: 'ida' })
      const [a, b] = [await ts.authTokens.create('ida'), await ts.authTokens.create('ida')]
      await ts.revokeToken(a.authToken)
      await expectRejects(ts.authTokens.validate(a.authToken), AuthTokenNotFoundError)
      await ts.logout(b.authToken)
      await expectRejects(ts.authTokens.validate(b.authToken), AuthTokenNotFoundError)
      await expectRejects(ts.logout(b.authToken), AuthTokenNotFoundError)
    })

    test('Ably JWTs and Agora tokens: verified, then refused once their subject is revoked', async () => {
      const key = { keyName: 'appAlpha.keyOne', keySecret: 'alphaSecretValue01' }
      const details = ably.issueToken(key, { clientId: 'jo', ttl: 60000 })
      const claims = await ts.verifyAblyToken(details.token, key, { clientId: 'jo' })
      expect(claims).toEqual(ably.verifyToken(details.token, key))

      const cert = '5CFd2fd1755d40ecb72977518be15d3b'
      const chat = agora.buildChatUserToken({ appId: '970CA35de60c44645bbae8a215061b33', appCertificate: cert, userId: 'jo', expire: 600 })
      expect(await ts.verifyAgoraToken(chat, cert)).toEqual(agora.verify(chat, cert))

      await sleep(1100) // both formats carry whole seconds
      await ts.revokeSubject('jo')
      await expectRejects(ts.verifyAblyToken(details.token, key), TokenRevokedError)
      await expectRejects(ts.verifyAgoraToken(chat, cert), TokenRevokedError)

      const other = ably.issueToken(key, { clientId: 'kim' })
      await ts.verifyAblyToken(other.token, key)
      await ts.revokeToken(other.token)
      await expectRejects(ts.verifyAblyToken(other.token, key), TokenRevokedError)
    })

    test('verifyTokenRequest: a nonce is accepted once, across instances sharing the store', async () => {
      const key = { keyName: 'appAlpha.keyOne', keySecret: 'alphaSecretValue01' }
      const request = ably.createTokenRequest(key, { clientId: 'lee' })
      const app = `jest-${process.pid}-nonces`
      const [one, two] = [service(storeUrl(), { app }), service(storeUrl(), { app })]
      expect(await one.verifyTokenRequest(request, key)).toEqual(ably.verifyTokenRequest(request, key))
      await expectRejects(two.verifyTokenRequest(request, key, { windowMs: 120000 }), ReplayedNonceError, {
        vendorCode: 40105,
      })
    })
  })

  describe('push', () => {
    test('register, list grouped by platform, delete, and the cascades', async () => {
      await ts.users.create({ uid: 'max' })
      const web = await ts.authTokens.create('max', { platform: 'javascript' })
      const android = await ts.authTokens.create('max', { platform: 'android' })
      const ios = await ts.authTokens.create('max', { platform: 'ios' })
      await ts.push.register(web.authToken, { fcmToken: 'fcm-web' })
      await ts.push.register(android.authToken, { fcmToken: 'fcm-android' })
      await ts.push.register(ios.authToken, { apnsToken: 'apns-ios', voipToken: 'voip-ios' })
      expect(await ts.push.list(web.authToken)).toEqual({ ios: ['apns-ios'], web: ['fcm-web'], android: ['fcm-android'] })

      // Registering again replaces this session's registration.
      await ts.push.register(android.authToken, { fcmToken: 'fcm-android-2' })
      expect((await ts.push.list(ios.authToken)).android).toEqual(['fcm-android-2'])

      // Deleting the auth token deletes its registration.
      await ts.authTokens.delete('max', web.id)
      expect(await ts.push.list(ios.authToken)).toEqual({ ios: ['apns-ios'], web: [], android: ['fcm-android-2'] })

      expect(await ts.push.delete(ios.authToken)).toBe(1)
      expect(await ts.push.list(android.authToken)).toEqual({ ios: [], web: [], android: ['fcm-android-2'] })
      await ts.push.register(ios.authToken, { apnsToken: 'apns-ios' })
      expect(await ts.push.delete(ios.authToken, { all: true })).toBe(2)
      expect(await ts.push.list(android.authToken)).toEqual({ ios: [], web: [], android: [] })

      await ts.push.register(ios.authToken, { apnsToken: 'apns-ios' })
      await ts.users.delete('max')
      await expectRejects(ts.push.list(ios.authToken), AuthTokenNotFoundError)
      await ts.users.create({ uid: 'max' })
      const again = await ts.authTokens.create('max')
      expect(await ts.push.list(again.authToken)).toEqual({ ios: [], web: [], android: [] })
    })

    test('bad registrations', async () => {
      const { authToken: t } = await ts.users.create({ uid: 'ned', withAuthToken: true })
      await expectRejects(ts.push.register(t.authToken, { fcmToken: 'a', apnsToken: 'b' }), InvalidArgumentError, {
        field: 'push',
      })
      await expectRejects(ts.push.register(t.authToken, {}), InvalidArgumentError, { field: 'push' })
      await expectRejects(ts.push.register(t.authToken, { fcmToken: '' }), InvalidArgumentError, { field: 'fcm_token' })
      await expectRejects(ts.push.register(authToken.generate(), { fcmToken: 'a' }), AuthTokenNotFoundError)
      await expectRejects(ts.push.register(t.authToken), TypeError)
    })
  })

  describe('bad input rejects with typed errors', () => {
    test('uids, names, profiles and metadata', async () => {
      await expectRejects(ts.users.create({ uid: 'a b' }), InvalidArgumentError, { code: 'INVALID_ARGUMENT', field: 'uid' })
      await expectRejects(ts.users.create({ uid: 'x'.repeat(101) }), InvalidArgumentError, { field: 'uid' })
      await expectRejects(ts.users.get(''), InvalidArgumentError, { field: 'uid' })
      await expectRejects(ts.users.create({ uid: 'ok', name: '' }), InvalidArgumentError, { field: 'name' })
      await expectRejects(ts.users.create({ uid: 'ok', profile: { big: 'x'.repeat(11000) } }), InvalidArgumentError, {
        field: 'profile',
      })
      await ts.users.create({ uid: 'olga' })
      await expectRejects(ts.authTokens.create('olga', { userAgent: 'x'.repeat(256) }), InvalidArgumentError, {
        field: 'user_agent',
      })
      await expectRejects(ts.authTokens.create('olga', { appInfo: { blob: 'x'.repeat(3000) } }), InvalidArgumentError, {
        field: 'app_info',
      })
      await expectRejects(ts.authTokens.list('olga', { page: 1.5 }), InvalidArgumentError, { field: 'page' })
      await expectRejects(ts.authTokens.list('olga', { perPage: -1 }), InvalidArgumentError, { field: 'per_page' })
    })

    test('malformed tokens and ids', async () => {
      await expectRejects(ts.authTokens.validate('tks_short'), MalformedTokenError, { code: 'MALFORMED_TOKEN' })
      await expectRejects(ts.authTokens.validate('not a token'), MalformedTokenError)
      await expectRejects(ts.authTokens.get('olga', 'xyz'), MalformedTokenError)
      await expectRejects(ts.logout('tks_short'), MalformedTokenError)
      await expectRejects(ts.authTokens.validate(authToken.generate()), AuthTokenNotFoundError)
    })

    test('error messages never contain the raw token', async () => {
      const { authToken: t } = await ts.users.create({ uid: 'pam', withAuthToken: true })
      const near = `${t.authToken}x` // one character too long: malformed
      const errs = [
        await expectRejects(ts.authTokens.validate(near), MalformedTokenError),
        await expectRejects(ts.authTokens.get('nobody', t.authToken), UserNotFoundError),
        await expectRejects(ts.authTokens.get('olga', t.authToken), AuthTokenNotFoundError),
      ]
      await ts.authTokens.delete('pam', t.id)
      errs.push(await expectRejects(ts.authTokens.validate(t.authToken), AuthTokenNotFoundError))
      errs.push(await expectRejects(ts.push.list(t.authToken), AuthTokenNotFoundError))
      for (const err of errs) {
        for (const text of renderings(err)) {
          expect(text).not.toContain(t.authToken)
          expect(text).not.toContain(t.authToken.slice(4, -4))
        }
      }
    })

    test('wrong argument types reject with a TypeError', async () => {
      await expectRejects(ts.users.get(5), TypeError)
      await expectRejects(ts.users.create(), TypeError)
      await expectRejects(ts.authTokens.list('olga', { page: '1' }), TypeError)
      await expectRejects(ts.authTokens.update('olga', 'x'), TypeError)
      await expectRejects(ts.verifyAblyToken('x', null), TypeError)
    })
  })

  test('close(): later calls reject with StoreUnavailableError', async () => {
    const app = `jest-${process.pid}-close`
    const r = service(storeUrl(), { app })
    await r.users.create({ uid: 'quinn' })
    await expect(r.close()).resolves.toBeUndefined()
    const err = await expectRejects(r.users.get('quinn'), StoreUnavailableError, { code: 'STORE_UNAVAILABLE' })
    expect(err.message).toMatch(/closed/)
    await expectRejects(r.authTokens.list('quinn'), StoreUnavailableError)
    await r.close() // idempotent
    // The data stays in the store for other handles.
    await expect(service(storeUrl(), { app }).users.get('quinn')).resolves.toMatchObject({ uid: 'quinn' })
  })

  test('a process that does not close() exits by itself', () => {
    const script = `
      const { Tokensmith } = require('tokensmith')
      const ts = new Tokensmith({ store: process.argv[1], app: 'exit-test' })
      ts.users.create({ uid: 'u' + process.pid, withAuthToken: true })
        .then((c) => ts.authTokens.validate(c.authToken.authToken))
        .then((s) => console.log('validated ' + s.user.uid))
    `
    const r = spawnSync(process.execPath, ['-e', script, storeUrl()], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 5000 })
    expect(r.error).toBeUndefined()
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^validated u\d+\n$/)
    expect(r.status).toBe(0)
  })
})

describe('opening the store', () => {
  test('options are checked by the constructor', () => {
    const create = (o) => () => new Tokensmith(o)
    expect(create({})).toThrow(InvalidArgumentError)
    expect(create(undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', field: 'store' }))
    expect(create({ store: 'memory://', retention: -1 })).toThrow(expect.objectContaining({ field: 'retention' }))
    expect(create({ store: 'memory://', retention: 1.5 })).toThrow(InvalidArgumentError)
    expect(create({ store: 'memory://', tokenTtlMs: Number.NaN })).toThrow(expect.objectContaining({ field: 'token_ttl_ms' }))
    expect(create({ store: 'memory://', reauthMarginMs: '1' })).toThrow(TypeError)
    expect(create({ store: 'memory://', tokenTtlMs: undefined })).not.toThrow()
    // Absent means absent; null is not a number.
    expect(create({ store: 'memory://', tokenTtlMs: null })).toThrow(TypeError)
  })

  test('an unknown store URL rejects the first call with InvalidArgumentError', async () => {
    await expectRejects(service('mysql://localhost').users.get('a'), InvalidArgumentError, { field: 'store' })
  })

  test('an unreachable Redis rejects with StoreUnavailableError, and a later call retries', async () => {
    const port = await freePort() // nothing listens there
    const r = service(`redis://127.0.0.1:${port}/0`)
    const started = Date.now()
    const err = await expectRejects(r.users.get('a'), StoreUnavailableError, { code: 'STORE_UNAVAILABLE' })
    expect(err.message).toMatch(/redis/)
    expect(Date.now() - started).toBeLessThan(5000)
    await expectRejects(r.users.get('a'), StoreUnavailableError)
  })

  test('a Redis that accepts but never answers rejects within timeout_ms', async () => {
    const sockets = []
    const silent = net.createServer((s) => sockets.push(s))
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const r = service(`redis://127.0.0.1:${silent.address().port}/0?timeout_ms=300`)
      const started = Date.now()
      await expectRejects(r.users.get('a'), StoreUnavailableError)
      expect(Date.now() - started).toBeLessThan(5000)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
  })

  test('the store opens on first use: a fresh handle sees what another wrote', async () => {
    const url = `sqlite://${path.join(tmp, 'shared.db')}`
    const a = service(url, { app: 'shared' })
    const b = service(url, { app: 'shared' })
    await a.users.create({ uid: 'rita' })
    await expect(b.users.get('rita')).resolves.toMatchObject({ uid: 'rita' })
    // Same store, other app: nothing.
    await expectRejects(service(url, { app: 'other' }).users.get('rita'), UserNotFoundError)
  })
})
