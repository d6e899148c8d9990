// `Session`: the renewal engine from JS — single flight, events in order, callbacks that throw,
// close(), process exit — and against the real service (in-process `serve()`): login/logout, an
// authUrl answering TokenRequests, an Agora token server.
// Waits use short real token lifetimes; nothing asserts how fast anything is.
const { spawnSync } = require('node:child_process')
const {
  Session,
  ably,
  ProviderError,
  SessionClosedError,
  NoRenewalMeansError,
  AuthTokenNotFoundError,
  InvalidArgumentError,
  TokensmithError,
  serve,
} = require('tokensmith')
const { REPO_ROOT } = require('./helpers')

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
/** A promise and its resolver. */
function gate() {
  let open
  const opened = new Promise((r) => (open = r))
  return { opened, open }
}
/** Resolves with the listener's payload the `n`th time `event` fires. */
function nth(session, event, n = 1) {
  return new Promise((resolve) => {
    let seen = 0
    session.on(event, (e) => {
      if (++seen === n) resolve(e)
    })
  })
}

/** An authCallback handing out `t-1`, `t-2`… living `lifeMs`, counting its calls. */
function counting(lifeMs) {
  const cb = async () => {
    cb.calls += 1
    if (cb.hold) await cb.hold
    return { token: `t-${cb.calls}`, issued: Date.now(), expires: Date.now() + lifeMs }
  }
  cb.calls = 0
  return cb
}

const sessions = []
function session(options) {
  const s = new Session(options)
  sessions.push(s)
  return s
}
afterEach(() => {
  for (const s of sessions.splice(0)) s.close()
})

describe('single flight and renewal', () => {
  test('100 concurrent token() calls across an expiry make exactly one provider call', async () => {
    const cb = counting(400)
    const s = session({ authCallback: cb, background: false })
    const first = await s.token()
    expect(first.token).toBe('t-1')
    while (Date.now() <= first.expires + 20) await sleep(25)

    const hold = gate()
    cb.hold = hold.opened
    const calls = Array.from({ length: 100 }, () => s.token())
    while (cb.calls < 2) await sleep(5) // the renewal has started and waits at the gate
    hold.open()
    const tokens = await Promise.all(calls)
    expect(new Set(tokens.map((t) => t.token))).toEqual(new Set(['t-2']))
    expect(cb.calls).toBe(2)
    expect(s.fetches).toBe(2)
  })

  test('events arrive in order: renewed, tokenWillExpire, renewed (scheduled)', async () => {
    const s = session({ authCallback: counting(1500) })
    const seen = []
    for (const name of ['renewed', 'tokenWillExpire', 'tokenExpired', 'renewFailed']) {
      s.on(name, (e) => seen.push([name, e.generation, e.reason]))
    }
    const second = nth(s, 'renewed', 2)
    const t = await s.token()
    expect(t).toMatchObject({ token: 't-1', format: 'ably-token' })
    const renewed = await second
    expect(seen).toEqual([
      ['renewed', 1, 'initial'],
      ['tokenWillExpire', 1, undefined],
      ['renewed', 2, 'scheduled'],
    ])
    expect(renewed.expires).toBeGreaterThan(t.expires)
    expect(renewed.renewAt).toBeLessThan(renewed.expires)
    expect((await s.token()).token).toBe('t-2')
  })

  test('a renewal refused with 403 stops: renewFailed (terminal), then tokenExpired; the error keeps its cause', async () => {
    let calls = 0
    const refusal = Object.assign(new Error('forbidden by app'), { status: 403 })
    const s = session({
      authCallback: async () => {
        if (++calls > 1) throw refusal
        return { token: 'only', expires: Date.now() + 1200 }
      },
    })
    const order = []
    for (const name of ['renewed', 'tokenWillExpire', 'renewFailed', 'tokenExpired']) s.on(name, () => order.push(name))
    const failed = nth(s, 'renewFailed')
    const expired = nth(s, 'tokenExpired')
    await s.token()
    const f = await failed
    expect(f).toMatchObject({ attempt: 1, retryIn: null, terminal: true })
    expect(f.error).toBeInstanceOf(ProviderError)
    expect(f.error.cause).toBe(refusal)
    await expired
    expect(order).toEqual(['renewed', 'tokenWillExpire', 'renewFailed', 'tokenExpired'])
    const e = await s.token().catch((x) => x)
    expect(e).toBeInstanceOf(ProviderError)
    expect(e.cause).toBe(refusal)
    expect(calls).toBe(2) // terminal: no retry loop
  })
})

describe('callbacks that fail', () => {
  test.each([
    ['throws', () => {
      throw new TypeError('sync boom')
    }],
    ['rejects', async () => {
      throw new RangeError('async boom')
    }],
  ])('a callback that %s becomes a ProviderError carrying the original as cause', async (_, fn) => {
    let thrown
    const s = session({
      authCallback: (p) => {
        try {
          return fn(p)
        } catch (e) {
          thrown = e
          throw e
        }
      },
      backoff: { maxAttempts: 1 },
    })
    const e = await s.token().catch((x) => x)
    expect(e).toBeInstanceOf(ProviderError)
    expect(e).toBeInstanceOf(TokensmithError)
    expect(e.code).toBe('PROVIDER_ERROR')
    expect(e.vendorCode).toBe(40170)
    expect(e.message).toMatch(/boom/)
    expect(e.cause).toBeInstanceOf(Error)
    expect(e.cause.message).toMatch(/boom/)
    if (thrown) expect(e.cause).toBe(thrown)
  })

  test('any thrown value is the cause, a string included', async () => {
    const s = session({
      authCallback: async () => {
        throw 'plain text' // eslint-disable-line no-throw-literal
      },
      backoff: { maxAttempts: 1 },
    })
    const e = await s.token().catch((x) => x)
    expect(e).toBeInstanceOf(ProviderError)
    expect(e.cause).toBe('plain text')
  })

  test('a provider failing 5 times is retried with jittered backoff, then succeeds', async () => {
    let calls = 0
    const s = session({
      authCallback: async () => {
        if (++calls <= 5) throw new Error(`down ${calls}`)
        return 'finally'
      },
      backoff: { baseMs: 5, capMs: 40, maxAttempts: 6 },
    })
    const failures = []
    s.on('renewFailed', (f) => failures.push(f))
    expect((await s.token()).token).toBe('finally')
    expect(calls).toBe(6)
    expect(failures.map((f) => [f.attempt, f.terminal, f.error.cause.message])).toEqual(
      [1, 2, 3, 4, 5].map((n) => [n, false, `down ${n}`]),
    )
    for (const f of failures) {
      expect(f.retryIn).toBeGreaterThanOrEqual(0)
      expect(f.retryIn).toBeLessThanOrEqual(Math.min(40, 5 * 2 ** (f.attempt - 1)))
    }
  })

  test('an unusable answer is a ProviderError', async () => {
    for (const answer of ['', 'null', 42, { nothing: true }]) {
      const s = session({ authCallback: async () => answer, backoff: { maxAttempts: 1 } })
      const e = await s.token().catch((x) => x)
      expect(e).toBeInstanceOf(ProviderError)
    }
  })
})

describe('means and options', () => {
  const key = { keyName: 'app.key', keySecret: 'a-long-key-secret' }

  test('an Ably key signs JWTs locally with the token params', async () => {
    const s = session({ key: `${key.keyName}:${key.keySecret}`, tokenParams: { clientId: 'alice', ttl: 60_000 } })
    const t = await s.token()
    expect(t).toMatchObject({ format: 'ably-jwt', clientId: 'alice' })
    expect(t.expires - t.issued).toBe(60_000)
    expect(ably.verifyToken(t.token, key, { clientId: 'alice' })['x-ably-clientId']).toBe('alice')

    // authorize: new params become the defaults; a new means replaces the key.
    const bob = await s.authorize({ clientId: 'bob' })
    expect(bob.clientId).toBe('bob')
    expect((await s.token()).token).toBe(bob.token)
    const other = await s.authorize(undefined, { authCallback: async (p) => `cb-${p.clientId}` })
    expect(other).toMatchObject({ token: 'cb-bob', format: 'ably-token' })
  })

  test('a static token is handed out until it expires; then NoRenewalMeansError', async () => {
    expect((await session({ token: 'static-token' }).token()).token).toBe('static-token')
    const expired = session({ token: { token: 'old', issued: 1, expires: 2 } })
    await expect(expired.token()).rejects.toBeInstanceOf(NoRenewalMeansError)
  })

  test('bad options throw at once', () => {
    expect(() => new Session({ key: 'a.b:c', authUrl: 'http://127.0.0.1:1/auth' })).toThrow(InvalidArgumentError)
    expect(() => new Session({ key: 'a.b:c', marginMs: -1 })).toThrow(InvalidArgumentError)
    expect(() => new Session({ authCallback: 'not a function' })).toThrow(TypeError)
    expect(() => new Session({ authUrl: 'http://x/', authMethod: 'PUT' })).toThrow(InvalidArgumentError)
    const s = session({ key: 'a.b:c' })
    expect(() => s.on('nope', () => {})).toThrow(TypeError)
  })

  test('logout() ends the session: loggedOut, then AuthTokenNotFoundError until authorize', async () => {
    const s = session({ authCallback: counting(60_000) })
    await s.token()
    const out = nth(s, 'loggedOut')
    await s.logout()
    expect(await out).toEqual({ reason: 'requested' })
    expect(s.current()).toBeNull()
    await expect(s.token()).rejects.toBeInstanceOf(AuthTokenNotFoundError)
    expect((await s.authorize()).token).toBe('t-2')
  })

  test('off() removes a listener', async () => {
    const s = session({ authCallback: counting(60_000) })
    const calls = []
    const listener = (e) => calls.push(e.generation)
    s.on('renewed', listener).off('renewed', listener)
    const last = nth(s, 'renewed')
    await s.token()
    await last
    expect(calls).toEqual([])
  })
})

describe('recover()', () => {
  test('a refused token is replaced once and never handed out again', async () => {
    const s = session({ authCallback: counting(60_000) })
    const reasons = []
    s.on('renewed', (e) => reasons.push(e.reason))
    const first = await s.token()
    const fresh = await s.recover(first.token)
    expect(fresh.token).toBe('t-2')
    expect((await s.token()).token).toBe('t-2')
    expect(reasons).toEqual(['initial', 'tokenError'])
  })

  test('a static token cannot be replaced: NoRenewalMeansError; a bad kind is refused', async () => {
    const s = session({ token: 'static' })
    await s.token()
    await expect(s.recover('static')).rejects.toBeInstanceOf(NoRenewalMeansError)
    await expect(s.recover('static', 'gone')).rejects.toBeInstanceOf(InvalidArgumentError)
  })
})

describe('close()', () => {
  test('rejects the pending call and every later one, and stops the events', async () => {
    const cb = counting(60_000)
    const hold = gate()
    cb.hold = hold.opened
    const s = session({ authCallback: cb })
    const events = []
    s.on('renewed', (e) => events.push(e))
    const pending = s.token()
    while (cb.calls < 1) await sleep(5)
    s.close()
    await expect(pending).rejects.toBeInstanceOf(SessionClosedError)
    hold.open()
    await expect(s.token()).rejects.toBeInstanceOf(SessionClosedError)
    await expect(s.authorize()).rejects.toBeInstanceOf(SessionClosedError)
    await sleep(50)
    expect(events).toEqual([])
    expect(cb.calls).toBe(1)
  })
})

describe('process exit', () => {
  const script = (body) => `
    const { Session } = require('tokensmith')
    ${body}
  `
  const run = (body) =>
    spawnSync(process.execPath, ['-e', script(body)], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 })

  test.each([
    ['creates a session', `new Session({ authCallback: async () => 'x' })`],
    [
      'holds a token with a renewal planned and listeners attached',
      `const s = new Session({ authCallback: async () => ({ token: 'x', expires: Date.now() + 3_600_000 }) })
       s.on('renewed', (e) => console.log('renewed', e.generation))
       s.token().then((t) => console.log('token', t.token))`,
    ],
    [
      'has a background renewal waiting to retry',
      `let n = 0
       const s = new Session({
         authCallback: async () => {
           if (++n > 1) throw new Error('down')
           return { token: 'x', expires: Date.now() + 1500 }
         },
         backoff: { baseMs: 60000, capMs: 60000 },
       })
       s.on('renewFailed', (f) => console.log('failed', f.attempt))
       s.token().then(() => setTimeout(() => console.log('done'), 1500))`,
    ],
  ])('a script that only %s exits by itself', (_, body) => {
    const r = run(body)
    expect(r.error).toBeUndefined() // not killed by the timeout
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    if (body.includes('done')) expect(r.stdout).toMatch(/^failed 1\n[^]*done\n$/)
  })

  test('its events and token still arrive before it exits', () => {
    const r = run(`
      const s = new Session({ authCallback: async () => ({ token: 'x', expires: Date.now() + 3_600_000 }) })
      s.on('renewed', (e) => console.log('renewed', e.generation))
      s.token().then((t) => console.log('token', t.token))`)
    expect(r.status).toBe(0)
    expect(r.stdout).toBe('renewed 1\ntoken x\n')
  })
})

// --- Against the real service ------------------------------------------------------------------

describe('against the service', () => {
  let server, APP, API_KEY
  beforeAll(async () => {
    server = await serve() // in-process, 127.0.0.1:0, memory://, one generated app
    ;({ appId: APP, apiKey: API_KEY } = server.app)
  })
  afterAll(() => server && server.close())

  async function newUser(uid) {
    const created = await server.client().createUser({ uid, name: uid, withAuthToken: true })
    return created.authToken
  }
  const me = (authToken) => server.client({ authToken, apiKey: undefined }).me()

  test('login → the user and its token; logout ends the token at the service', async () => {
    const authToken = await newUser('alice')
    const s = session({ baseUrl: server.url, appId: APP })
    expect(s.currentUser()).toBeNull()
    await expect(s.token()).rejects.toBeInstanceOf(NoRenewalMeansError)
    const user = await s.login(authToken, { platform: 'web', deviceId: 'laptop-1' })
    expect(user).toMatchObject({ uid: 'alice', name: 'alice' })
    expect(s.currentUser()).toMatchObject({ uid: 'alice' })
    expect(await s.token()).toMatchObject({ token: authToken, format: 'auth-token', clientId: 'alice' })

    const out = nth(s, 'loggedOut')
    await s.logout()
    expect(await out).toEqual({ reason: 'requested' })
    expect(s.currentUser()).toBeNull()
    await expect(s.token()).rejects.toBeInstanceOf(AuthTokenNotFoundError)
    await expect(me(authToken)).rejects.toBeInstanceOf(AuthTokenNotFoundError)
    // A token the service no longer knows cannot log in again.
    await expect(s.login(authToken)).rejects.toBeInstanceOf(AuthTokenNotFoundError)
  })

  test('an authUrl answering TokenRequests: exchanged at the service for Ably JWTs of the user', async () => {
    const authToken = await newUser('bob')
    const s = session({
      authUrl: `${server.url}/auth/ably`,
      authHeaders: { authtoken: authToken, appid: APP },
      baseUrl: server.url,
      tokenParams: { ttl: 120_000 },
    })
    const t = await s.token()
    expect(t).toMatchObject({ format: 'ably-jwt', clientId: 'bob' })
    expect(t.expires - t.issued).toBe(120_000)
    const again = await s.authorize({ ttl: 60_000 })
    expect(again.expires - again.issued).toBe(60_000)
    expect(again.token).not.toBe(t.token)
  })

  test('an Agora token server: a user token, renewed by authorize()', async () => {
    const s = session({
      agoraTokenServer: { baseUrl: server.url, userUuid: 'carol', apiKey: API_KEY, appId: APP, expire: 600 },
    })
    const t = await s.token()
    expect(t.format).toBe('agora-accesstoken2')
    expect(t.expires - t.issued).toBe(600_000)
    expect((await s.authorize()).format).toBe('agora-accesstoken2')
    expect(s.fetches).toBe(2)
  })

  test('a login whose token the service no longer knows ends itself: recover → loggedOut', async () => {
    const authToken = await newUser('frank')
    const s = session({ baseUrl: server.url, appId: APP })
    await s.login(authToken)
    await server.client().deleteAuthToken('frank', authToken)
    await expect(me(authToken)).rejects.toBeInstanceOf(AuthTokenNotFoundError)
    const out = nth(s, 'loggedOut')
    await expect(s.recover(authToken, 'notFound')).rejects.toBeInstanceOf(AuthTokenNotFoundError)
    expect(await out).toEqual({ reason: 'tokenNotFound' })
    expect(s.currentUser()).toBeNull()
    await expect(s.token()).rejects.toBeInstanceOf(AuthTokenNotFoundError)
  })

  test('a wrong API key at the token server stops with the typed error, without a retry loop', async () => {
    const s = session({
      agoraTokenServer: { baseUrl: server.url, userUuid: 'dave', apiKey: 'b'.repeat(40), appId: APP },
      backoff: { baseMs: 5, capMs: 10 },
    })
    const failures = []
    s.on('renewFailed', (f) => failures.push(f))
    const e = await s.token().catch((x) => x)
    expect(e).toBeInstanceOf(TokensmithError)
    expect(failures).toHaveLength(1)
    expect(failures[0].terminal).toBe(true)
  })
})
