// The cross-language error contract (tests/vectors/errors.json), the error classes, and that
// no secret reaches an error or an explanation.
const util = require('node:util')
const tokensmith = require('tokensmith')
const path = require('node:path')
const { loadVectors, thrown, CLASS_BY_CODE, REPO_ROOT } = require('./helpers')

const { agora, ably, authToken, explain, errorCodes, errors, TokensmithError, InvalidArgumentError } = tokensmith
const doc = loadVectors('errors.json')

/** Calls the public API the way each errors.json `call` names it. */
const CALLS = {
  'agora.buildChatUserToken': (i) => agora.buildChatUserToken(i),
  'agora.buildChatAppToken': (i) => agora.buildChatAppToken(i),
  'agora.parse': (i) => agora.parse(i.token),
  'agora.verify': (i) => agora.verify(i.token, i.appCertificate, i.now === undefined ? undefined : { now: i.now }),
  'ably.createTokenRequest': (i) => ably.createTokenRequest(i.key, i.params),
  'ably.verifyTokenRequest': (i) =>
    ably.verifyTokenRequest(i.request, { keyName: i.request.keyName, keySecret: i.keySecret }, { now: i.now }),
  'ably.verifyToken': (i) => ably.verifyToken(i.token, i.key),
  'authToken.check': (i) => authToken.check(i.token),
  explain: (i) => explain(i.token),
}

/** Every rendering of an error a log line or a crash report could show. */
const renderings = (err) => [err.message, String(err), err.stack, util.inspect(err), JSON.stringify(err)]

/** The secrets of an errors.json input (too-short ones could match by chance, e.g. "00"). */
function secretsOf(c) {
  const i = c.input
  const found = [i.appCertificate, i.keySecret, i.key && i.key.keySecret]
  if (c.call === 'authToken.check') found.push(i.token)
  return found.filter((s) => typeof s === 'string' && s.length >= 6)
}

describe('errors.json: the cross-language error contract', () => {
  test('every case names a call this suite dispatches and a known code', () => {
    expect(doc.cases.length).toBeGreaterThanOrEqual(30)
    for (const c of doc.cases) {
      expect(Object.keys(CALLS)).toContain(c.call)
      expect(errorCodes).toContain(c.expected_error_code)
    }
  })

  test.each(doc.cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const err = thrown(() => CALLS[c.call](c.input))
    const Cls = tokensmith[CLASS_BY_CODE[c.expected_error_code]]
    expect(err).toBeInstanceOf(TokensmithError)
    expect(err).toBeInstanceOf(Cls)
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe(CLASS_BY_CODE[c.expected_error_code])
    expect(err.code).toBe(c.expected_error_code)
    if (c.field !== undefined) expect(err.field).toBe(c.field)
    expect(err.vendorCode).toBe(c.vendor_code ?? null)
    // Local failures: no server was involved.
    expect(err).toMatchObject({ status: null, serverCode: null, retryAfterMs: null })
    // The `[CODE] ` transport prefix is stripped; the message says what went wrong.
    expect(err.message).not.toMatch(/^\[[A-Z_]+\]/)
    expect(err.message.length).toBeGreaterThan(0)
    for (const secret of secretsOf(c)) {
      for (const text of renderings(err)) expect(text).not.toContain(secret)
    }
  })
})

describe('errors a server sent (the REST client)', () => {
  const { fromNative } = require(path.join(REPO_ROOT, 'npm', 'tokensmith', 'errors.js'))

  test('every server_responses case of errors.json names a code with a class', () => {
    expect(doc.server_responses.length).toBeGreaterThanOrEqual(20)
    for (const c of doc.server_responses) expect(errorCodes).toContain(c.expected_error_code)
  })

  test('fromNative keeps the status, the server code and the wait the server asked for', () => {
    const native = new Error('[RATE_LIMITED] Too many requests. (HTTP 429 ERR_TOO_MANY_REQUESTS)')
    const details = { code: 'RATE_LIMITED', vendorCode: null, field: null, status: 429, serverCode: 'ERR_TOO_MANY_REQUESTS', retryAfterMs: 2000 }
    native.cause = new Error(JSON.stringify(details))
    const err = fromNative(native)
    expect(err).toBeInstanceOf(tokensmith.RateLimitedError)
    expect(err.message).toBe('Too many requests. (HTTP 429 ERR_TOO_MANY_REQUESTS)')
    expect(err).toMatchObject({ code: 'RATE_LIMITED', status: 429, serverCode: 'ERR_TOO_MANY_REQUESTS', retryAfterMs: 2000 })
  })

  test('fromNative makes the cause of a provider failure its own TokensmithError', () => {
    const native = new Error('[PROVIDER_ERROR] token provider failed: forbidden (HTTP 403 40300)')
    const cause = { code: 'UNAUTHORIZED', message: 'forbidden (HTTP 403 40300)', vendorCode: 40300, field: null, status: 403, serverCode: '40300', retryAfterMs: null }
    native.cause = new Error(JSON.stringify({ code: 'PROVIDER_ERROR', vendorCode: 40300, field: null, status: 403, serverCode: '40300', retryAfterMs: null, cause }))
    const err = fromNative(native)
    expect(err).toBeInstanceOf(tokensmith.ProviderError)
    expect(err).toMatchObject({ code: 'PROVIDER_ERROR', vendorCode: 40300, status: 403 })
    expect(err.cause).toBeInstanceOf(tokensmith.UnauthorizedError)
    expect(err.cause).toMatchObject({ code: 'UNAUTHORIZED', status: 403, serverCode: '40300' })
    expect(err.cause.message).toBe('forbidden (HTTP 403 40300)')
    expect(err.cause.cause).toBeUndefined()
  })
})

describe('error classes', () => {
  test('errorCodes is exactly the set of codes with a class', () => {
    expect([...errorCodes].sort()).toEqual(Object.keys(CLASS_BY_CODE).sort())
    expect(new Set(errorCodes).size).toBe(errorCodes.length)
  })

  test.each(Object.entries(CLASS_BY_CODE))('%s → %s is exported and a TokensmithError', (code, name) => {
    const Cls = tokensmith[name]
    expect(typeof Cls).toBe('function')
    expect(errors[name]).toBe(Cls)
    expect(Cls.name).toBe(name)
    expect(Cls.prototype).toBeInstanceOf(TokensmithError)
    const err = new Cls('boom', code, { vendorCode: 40100, field: 'f' })
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name, code, message: 'boom', vendorCode: 40100, field: 'f' })
    expect(String(err)).toBe(`${name}: boom`)
  })

  test('the classes are distinct and TokensmithError is their common base', () => {
    const classes = Object.values(CLASS_BY_CODE).map((n) => tokensmith[n])
    expect(new Set(classes).size).toBe(classes.length)
    expect(tokensmith.TokensmithError).toBe(errors.TokensmithError)
    const err = new InvalidArgumentError('x', 'INVALID_ARGUMENT')
    expect(err).toMatchObject({ vendorCode: null, field: null })
    expect(err).not.toBeInstanceOf(tokensmith.MalformedTokenError)
  })
})

describe('no secret leaks', () => {
  const CERT = '5CFd2fd1755d40ecb72977518be15d3b'
  const APP_ID = '970CA35de60c44645bbae8a215061b33'
  const KEY = { keyName: 'appAlpha.keyOne', keySecret: 'alphaSecretValue01' }
  const OTHER_SECRET = 'someOtherSecret99'

  const agoraToken = agora.buildChatUserToken({ appId: APP_ID, appCertificate: CERT, userId: 'u1', expire: 600 })
  const jwt = ably.issueToken(KEY, { clientId: 'bob' }).token
  const request = JSON.stringify(ably.createTokenRequest(KEY, { clientId: 'bob' }))
  const auth = authToken.generate()

  // Failing calls whose inputs carry a secret; none may show up in the error.
  const failing = {
    'agora.verify, other certificate': [() => agora.verify(agoraToken, CERT.replace('5', '6')), [CERT.replace('5', '6')]],
    'agora.verify, expired': [() => agora.verify(agoraToken, CERT, { now: 4e9 }), [CERT]],
    'agora.verify, malformed certificate': [() => agora.verify(agoraToken, `${CERT}zz`), [CERT]],
    'agora.build, bad expire': [
      () => agora.buildChatAppToken({ appId: APP_ID, appCertificate: CERT, expire: 1e6 }),
      [CERT],
    ],
    'agora.build, bad certificate': [
      () => agora.buildChatAppToken({ appId: APP_ID, appCertificate: `${CERT}0`, expire: 60 }),
      [CERT],
    ],
    'ably.verifyToken, other secret': [
      () => ably.verifyToken(jwt, { ...KEY, keySecret: OTHER_SECRET }),
      [OTHER_SECRET, KEY.keySecret],
    ],
    'ably.verifyToken, expired': [() => ably.verifyToken(jwt, KEY, { now: 4e12 }), [KEY.keySecret]],
    'ably.verifyTokenRequest, other secret': [
      () => ably.verifyTokenRequest(JSON.parse(request), { ...KEY, keySecret: OTHER_SECRET }),
      [OTHER_SECRET, KEY.keySecret],
    ],
    'ably.createTokenRequest, bad ttl': [() => ably.createTokenRequest(KEY, { ttl: 0 }), [KEY.keySecret]],
    'ably.issueToken, refused capability': [
      () => ably.issueToken(KEY, { capability: { a: ['publish'] } }, { keyCapability: { b: ['publish'] } }),
      [KEY.keySecret],
    ],
    'authToken.check, one character changed': [
      () => authToken.check(auth.slice(0, 10) + (auth[10] === 'A' ? 'B' : 'A') + auth.slice(11)),
      [auth.slice(4), auth.slice(0, 10) + (auth[10] === 'A' ? 'B' : 'A') + auth.slice(11)],
    ],
    'authToken.check, truncated': [() => authToken.check(auth.slice(0, -1)), [auth.slice(0, -1)]],
  }

  test.each(Object.keys(failing))('%s', (name) => {
    const [fn, secrets] = failing[name]
    const err = thrown(fn)
    expect(err).toBeInstanceOf(TokensmithError)
    for (const text of renderings(err)) {
      for (const secret of secrets) expect(text).not.toContain(secret)
    }
  })

  // explain() output, with the right and a wrong secret, never holds the secret or the token.
  const explained = {
    agora: [agoraToken, CERT],
    'ably-jwt': [jwt, KEY.keySecret],
    'ably-token-request': [request, KEY.keySecret],
    'auth-token': [auth, undefined],
  }
  test.each(Object.keys(explained))('explain(%s) holds neither the secret nor the token', (name) => {
    const [token, secret] = explained[name]
    const secrets = [token, secret, OTHER_SECRET].filter(Boolean)
    if (name === 'auth-token') secrets.push(token.slice(4, -4))
    if (name === 'agora') secrets.push(CERT.replace('5', '6'))
    const outputs = [explain(token), explain(token, secret), explain(token, name === 'agora' ? CERT.replace('5', '6') : OTHER_SECRET)]
    for (const out of outputs) {
      const text = `${JSON.stringify(out)}\n${util.inspect(out, { depth: null })}`
      for (const s of secrets) expect(text).not.toContain(s)
    }
  })
})

describe('bad argument values and types', () => {
  const base = {
    appId: '970CA35de60c44645bbae8a215061b33',
    appCertificate: '5CFd2fd1755d40ecb72977518be15d3b',
    userId: 'u1',
    expire: 600,
  }
  const KEY = { keyName: 'appAlpha.keyOne', keySecret: 'alphaSecretValue01' }

  // Numbers of the right JS type but out of range: InvalidArgumentError naming the field.
  const ranges = {
    'expire -1': [() => agora.buildChatUserToken({ ...base, expire: -1 }), 'expire'],
    'expire 1.5': [() => agora.buildChatUserToken({ ...base, expire: 1.5 }), 'expire'],
    'expire NaN': [() => agora.buildChatUserToken({ ...base, expire: NaN }), 'expire'],
    'expire Infinity': [() => agora.buildChatAppToken({ ...base, expire: Infinity }), 'expire'],
    'salt 2^32': [() => agora.buildChatUserToken({ ...base, salt: 2 ** 32 }), 'salt'],
    'issueTs -5': [() => agora.buildChatAppToken({ ...base, issueTs: -5 }), 'issue_ts'],
    'verify now 0.5': [() => agora.verify('007x', base.appCertificate, { now: 0.5 }), 'now'],
    'ttl -1000': [() => ably.createTokenRequest(KEY, { ttl: -1000 }), 'ttl'],
    'ttl 1.5': [() => ably.issueToken(KEY, { ttl: 1.5 }), 'ttl'],
    'timestamp -1': [() => ably.createTokenRequest(KEY, { timestamp: -1 }), 'timestamp'],
    'windowMs -1': [
      () => ably.verifyTokenRequest({ keyName: KEY.keyName, timestamp: 1, nonce: 'n'.repeat(16), mac: 'x' }, KEY, { windowMs: -1 }),
      'window_ms',
    ],
    'leeway 0.1': [() => ably.verifyToken('a.b.c', KEY, { leeway: 0.1 }), 'leeway'],
    'maxTtl NaN': [() => ably.issueToken(KEY, {}, { maxTtl: NaN }), 'max_ttl'],
  }
  test.each(Object.keys(ranges))('%s → InvalidArgumentError', (name) => {
    const [fn, field] = ranges[name]
    const err = thrown(fn)
    expect(err).toBeInstanceOf(InvalidArgumentError)
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', field })
  })

  // Wrong JS types are refused by napi-rs's own conversion, which the package rethrows as a
  // TypeError of the caller's realm.
  const types = {
    'expire "600"': () => agora.buildChatUserToken({ ...base, expire: '600' }),
    'missing appId': () => agora.buildChatUserToken({ ...base, appId: undefined }),
    'missing expire': () => agora.buildChatAppToken({ appId: base.appId, appCertificate: base.appCertificate }),
    'parse(123)': () => agora.parse(123),
    'key secret as a number': () => ably.createTokenRequest({ keyName: KEY.keyName, keySecret: 42 }),
    'NaN inside a capability': () => ably.createTokenRequest(KEY, { capability: { a: [NaN] } }),
    'verifier key as a Buffer': () =>
      new ably.TokenRequestVerifier().verify({}, { keyName: KEY.keyName, keySecret: Buffer.from('x') }),
  }
  test.each(Object.keys(types))('%s → TypeError', (name) => {
    const err = thrown(types[name])
    expect(err).toBeInstanceOf(TypeError)
    expect(err).not.toBeInstanceOf(TokensmithError)
    expect(typeof err.code).toBe('string')
    expect(err.message.length).toBeGreaterThan(0)
  })

  // Other wrong shapes: whatever is thrown, it is an Error and the process survives.
  const shapes = {
    'no options at all': () => agora.buildChatUserToken(),
    'key as null': () => ably.issueToken(null),
    'capability as a number': () => ably.createTokenRequest(KEY, { capability: 5 }),
    'request as JSON text': () => ably.verifyTokenRequest('{}', KEY),
    'request as null': () => ably.verifyTokenRequest(null, KEY),
  }
  test.each(Object.keys(shapes))('%s throws an Error', (name) => {
    const err = thrown(shapes[name])
    // Errors V8 raises inside the addon come from the main realm, not jest's: check the brand.
    expect(util.types.isNativeError(err)).toBe(true)
    expect(err.message.length).toBeGreaterThan(0)
  })

  test('a secret of the wrong type (Buffer, String object, wrapped) is not quoted in the error', () => {
    const cert = base.appCertificate
    const token = agora.buildChatAppToken({ ...base })
    const secret = KEY.keySecret
    const opaque = authToken.generate()
    const calls = [
      [() => agora.verify(token, Buffer.from(cert)), cert],
      [() => agora.verify(token, { certificate: cert }), cert],
      [() => agora.buildChatAppToken({ ...base, appCertificate: Buffer.from(cert) }), cert],
      [() => explain(token, [cert]), cert],
      [() => ably.createTokenRequest({ keyName: KEY.keyName, keySecret: Buffer.from(secret) }), secret],
      [() => ably.issueToken({ keyName: KEY.keyName, keySecret: new String(secret) }), secret],
      [() => authToken.check(Buffer.from(opaque)), opaque],
    ]
    for (const [fn, s] of calls) {
      const err = thrown(fn)
      expect(err).toBeInstanceOf(TypeError)
      for (const text of renderings(err)) {
        expect(text).not.toContain(s)
        expect(text).not.toContain(Buffer.from(s).join(','))
      }
    }
    expect(thrown(calls[4][0]).message).toBe(
      'Failed to convert a JavaScript Object into rust type `String` on AblyKey.keySecret',
    )
  })

  test('the package still works after refusing bad input', () => {
    expect(agora.parse(agora.buildChatUserToken({ ...base, issueTs: 1, salt: 1 })).services[0].userId).toBe('u1')
  })
})
