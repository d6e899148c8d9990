// The rest of the public API: Ably TokenDetails, opaque auth tokens, explain, and defaults.
const crypto = require('node:crypto')
const tokensmith = require('tokensmith')
const { thrown } = require('./helpers')

const { agora, ably, authToken, explain } = tokensmith
const KEY = { keyName: 'appAlpha.keyOne', keySecret: 'alphaSecretValue01' }
const APP_ID = '0123456789abcdef0123456789abcdef'
const CERT = 'fedcba9876543210fedcba9876543210'

/** An Ably JWT signed here with node:crypto, independently of tokensmith. */
function signJwt(claims, key = KEY) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url')
  const signed = `${b64({ alg: 'HS256', typ: 'JWT', kid: key.keyName })}.${b64(claims)}`
  return `${signed}.${crypto.createHmac('sha256', key.keySecret).update(signed).digest('base64url')}`
}

function expectError(fn, Cls, props) {
  const err = thrown(fn)
  expect(err).toBeInstanceOf(Cls)
  expect(err).toBeInstanceOf(tokensmith.TokensmithError)
  if (props) expect(err).toMatchObject(props)
  return err
}

describe('ably.issueToken → ably.verifyToken', () => {
  const keyCapability = { 'chat:*': ['publish', 'subscribe'], news: ['subscribe', 'history'] }
  const td = ably.issueToken(
    KEY,
    { ttl: 60000, clientId: 'bob', capability: { 'chat:lobby': ['*'], news: ['history', 'presence'], private: ['publish'] } },
    { keyCapability },
  )

  test('TokenDetails carry the key, the ttl, the client id and the granted capability', () => {
    expect(Object.keys(td).sort()).toEqual(['capability', 'clientId', 'expires', 'issued', 'keyName', 'token'])
    expect(td.keyName).toBe(KEY.keyName)
    expect(td.clientId).toBe('bob')
    expect(td.expires - td.issued).toBe(60000)
    expect(td.issued % 1000).toBe(0)
    // The request intersected with what the key may grant, in canonical form.
    expect(td.capability).toBe('{"chat:lobby":["publish","subscribe"],"news":["history"]}')
    expect(td.token.split('.')).toHaveLength(3)
  })

  test('the JWT verifies and its claims match the TokenDetails', () => {
    const claims = ably.verifyToken(td.token, KEY, { now: td.issued })
    expect(claims).toEqual({
      iat: td.issued / 1000,
      exp: td.expires / 1000,
      'x-ably-capability': td.capability,
      'x-ably-clientId': 'bob',
    })
    // With the default clock, a freshly issued token verifies too.
    expect(ably.verifyToken(td.token, KEY)).toEqual(claims)
  })

  test('the JWT is a standard HS256 JWT signed with the key secret', () => {
    const [header, body, sig] = td.token.split('.')
    expect(JSON.parse(Buffer.from(header, 'base64url'))).toMatchObject({ alg: 'HS256', kid: KEY.keyName })
    expect(JSON.parse(Buffer.from(body, 'base64url'))).toMatchObject({ 'x-ably-clientId': 'bob' })
    expect(crypto.createHmac('sha256', KEY.keySecret).update(`${header}.${body}`).digest('base64url')).toBe(sig)
  })

  test('a JWT signed elsewhere verifies', () => {
    const claims = { iat: 1700000000, exp: 1700003600, 'x-ably-capability': '{"*":["*"]}', 'x-ably-clientId': 'carol' }
    expect(ably.verifyToken(signJwt(claims), KEY, { now: 1700000000000 })).toEqual(claims)
  })

  test('ttl and capability defaults', () => {
    const plain = ably.issueToken(KEY)
    expect(plain.expires - plain.issued).toBe(3600000)
    expect(plain.capability).toBe('{"*":["*"]}')
    expect(plain).not.toHaveProperty('clientId')
    const short = ably.issueToken(KEY, {}, { defaultTtl: 5000 })
    expect(short.expires - short.issued).toBe(5000)
    const capped = ably.issueToken(KEY, null, { defaultTtl: 7200000, maxTtl: 60000 })
    expect(capped.expires - capped.issued).toBe(60000)
    expect(ably.issueToken(KEY, null, { keyCapability: '{"a":["publish"]}' }).capability).toBe('{"a":["publish"]}')
  })

  // The addon returns the token alone when the JS layer holds the other fields (the granted
  // capability is the text passed in, nothing changed crossing); these cover both ways back.
  test('TokenDetails are the same whichever way they come back from the addon', () => {
    const claimsOf = (td) => JSON.parse(Buffer.from(td.token.split('.')[1], 'base64url'))
    const check = (td, ttl, capability, clientId) => {
      expect(td.expires - td.issued).toBe(ttl)
      expect(td.capability).toBe(capability)
      expect(td.clientId).toBe(clientId)
      expect(claimsOf(td)).toEqual({
        iat: td.issued / 1000,
        exp: Math.floor(td.expires / 1000),
        'x-ably-capability': capability,
        ...(clientId === undefined ? {} : { 'x-ably-clientId': clientId }),
      })
    }
    const canonical = '{"chat:*":["publish","subscribe"]}'
    check(ably.issueToken(KEY, { ttl: 5000, capability: canonical, clientId: 'ann' }), 5000, canonical, 'ann')
    check(ably.issueToken(KEY, { ttl: 1500, capability: ' { "b":["publish"], "a":["*"] }' }), 1500, '{"a":["*"],"b":["publish"]}')
    check(ably.issueToken(KEY, { ttl: 60000 }, { keyCapability: canonical }), 60000, canonical)
    check(ably.issueToken(KEY, { ttl: 2000, capability: { x: ['publish'] } }), 2000, '{"x":["publish"]}')
    // Lone surrogates become U+FFFD crossing, as they always did.
    const lone = ably.issueToken({ ...KEY, keyName: 'app.k\uD800' }, { capability: '{"x\uDC00":["*"]}', clientId: 'b\uD800' })
    expect([lone.keyName, lone.capability, lone.clientId]).toEqual(['app.k\uFFFD', '{"x\uFFFD":["*"]}', 'b\uFFFD'])
    expect(claimsOf(lone)['x-ably-clientId']).toBe('b\uFFFD')
  })

  test('issuing again while the arguments are read does not mix up the times', () => {
    const keyCapability = {
      get 'chat:*'() {
        ably.issueToken(KEY, { ttl: 5000 }) // runs while the outer call reads its options
        return ['publish']
      },
    }
    const td = ably.issueToken(KEY, { ttl: 60000, capability: '{"chat:a":["publish"]}' }, { keyCapability })
    expect(td.expires - td.issued).toBe(60000)
    expect(td.capability).toBe('{"chat:a":["publish"]}')
  })

  test('a ttl over the key maximum or under a second, or a capability the key lacks, is refused', () => {
    expectError(() => ably.issueToken(KEY, { ttl: 120000 }, { maxTtl: 60000 }), tokensmith.InvalidArgumentError, {
      field: 'ttl',
    })
    expectError(() => ably.issueToken(KEY, { ttl: 999 }), tokensmith.InvalidArgumentError, { field: 'ttl' })
    expectError(
      () => ably.issueToken(KEY, { capability: { secret: ['subscribe'] } }, { keyCapability }),
      tokensmith.CapabilityRefusedError,
      { code: 'CAPABILITY_REFUSED', vendorCode: 40160 },
    )
  })

  describe('verifyToken options', () => {
    const now = td.issued

    test('clientId must match (40102); a token for `*` matches any client', () => {
      expect(ably.verifyToken(td.token, KEY, { now, clientId: 'bob' })['x-ably-clientId']).toBe('bob')
      expectError(() => ably.verifyToken(td.token, KEY, { now, clientId: 'eve' }), tokensmith.ClientIdMismatchError, {
        code: 'CLIENT_ID_MISMATCH',
        vendorCode: 40102,
      })
      const anon = ably.issueToken(KEY)
      expectError(() => ably.verifyToken(anon.token, KEY, { now: anon.issued, clientId: 'bob' }), tokensmith.ClientIdMismatchError)
      const wild = ably.issueToken(KEY, { clientId: '*' })
      expect(() => ably.verifyToken(wild.token, KEY, { now: wild.issued, clientId: 'anyone' })).not.toThrow()
    })

    test('resource + operation must be granted (40160)', () => {
      expect(() => ably.verifyToken(td.token, KEY, { now, resource: 'chat:lobby', operation: 'publish' })).not.toThrow()
      expect(() => ably.verifyToken(td.token, KEY, { now, resource: 'news', operation: 'history' })).not.toThrow()
      for (const [resource, operation] of [
        ['news', 'publish'],
        ['chat:other', 'publish'],
        ['private', 'publish'],
      ]) {
        expectError(() => ably.verifyToken(td.token, KEY, { now, resource, operation }), tokensmith.CapabilityRefusedError, {
          code: 'CAPABILITY_REFUSED',
          vendorCode: 40160,
        })
      }
      expectError(() => ably.verifyToken(td.token, KEY, { now, resource: 'news' }), tokensmith.InvalidArgumentError, {
        field: 'operation',
      })
    })

    test('expiry (40142), not-yet-valid, and leeway in seconds', () => {
      expect(() => ably.verifyToken(td.token, KEY, { now: td.expires - 1 })).not.toThrow()
      for (const at of [td.expires, td.expires + 1000, td.expires + 86400000]) {
        expectError(() => ably.verifyToken(td.token, KEY, { now: at }), tokensmith.TokenExpiredError, {
          code: 'TOKEN_EXPIRED',
          vendorCode: 40142,
        })
      }
      expect(() => ably.verifyToken(td.token, KEY, { now: td.expires + 4000, leeway: 5 })).not.toThrow()
      expectError(() => ably.verifyToken(td.token, KEY, { now: td.expires + 6000, leeway: 5 }), tokensmith.TokenExpiredError)
      expectError(() => ably.verifyToken(td.token, KEY, { now: td.issued - 2000 }), tokensmith.TokenNotYetValidError, {
        code: 'TOKEN_NOT_YET_VALID',
      })
      expect(() => ably.verifyToken(td.token, KEY, { now: td.issued - 2000, leeway: 5 })).not.toThrow()
    })

    test('another secret is a bad signature (40144), another key name a key mismatch', () => {
      expectError(() => ably.verifyToken(td.token, { ...KEY, keySecret: 'other' }, { now }), tokensmith.BadSignatureError, {
        code: 'BAD_SIGNATURE',
        vendorCode: 40144,
      })
      expectError(() => ably.verifyToken(td.token, { ...KEY, keyName: 'app.other' }, { now }), tokensmith.KeyMismatchError, {
        code: 'KEY_MISMATCH',
      })
      const [h, , s] = td.token.split('.')
      const forged = `${h}.${Buffer.from(JSON.stringify({ iat: 1, exp: 9e9, 'x-ably-capability': '{"*":["*"]}' })).toString('base64url')}.${s}`
      expectError(() => ably.verifyToken(forged, KEY, { now }), tokensmith.BadSignatureError)
      const none = signJwt({ iat: 1, exp: 9e9, 'x-ably-capability': '{}' }).replace(/^[^.]+/, Buffer.from('{"alg":"none","kid":"appAlpha.keyOne"}').toString('base64url'))
      expectError(() => ably.verifyToken(none, KEY, { now }), tokensmith.UnsupportedTokenError)
    })
  })
})

describe('ably.verifyTokenRequest', () => {
  const req = ably.createTokenRequest(KEY, { ttl: 60000, clientId: 'bob', timestamp: 1700000000000, nonce: 'n'.repeat(16) })

  test('accepts the JSON wire form, with ttl and timestamp as strings too', () => {
    const wire = JSON.parse(JSON.stringify(req))
    expect(ably.verifyTokenRequest(wire, KEY, { now: req.timestamp })).toMatchObject({ ttl: 60000, clientId: 'bob' })
    const strings = { ...wire, ttl: '60000', timestamp: '1700000000000' }
    expect(ably.verifyTokenRequest(strings, KEY, { now: req.timestamp })).toMatchObject({ timestamp: 1700000000000 })
  })

  test('windowMs widens or narrows the accepted window', () => {
    expect(() => ably.verifyTokenRequest(req, KEY, { now: req.timestamp + 300000, windowMs: 300000 })).not.toThrow()
    expectError(() => ably.verifyTokenRequest(req, KEY, { now: req.timestamp + 1001, windowMs: 1000 }), tokensmith.TimestampOutOfWindowError)
  })

  test('a request without a mac is refused', () => {
    const { mac, ...unsigned } = req
    expect(mac).toBeTruthy()
    expectError(() => ably.verifyTokenRequest(unsigned, KEY, { now: req.timestamp }), tokensmith.BadSignatureError, {
      vendorCode: 40101,
    })
  })
})

describe('authToken', () => {
  const token = authToken.generate()
  const change = (t, i) => t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1)

  test('generate: tks_ + 49 URL-safe characters, fresh each time, and it checks', () => {
    expect(token).toMatch(/^tks_[A-Za-z0-9_-]{49}$/)
    expect(authToken.generate()).not.toBe(token)
    expect(authToken.check(token)).toBeUndefined()
  })

  test('check: refuses typos and truncation without a lookup', () => {
    expectError(() => authToken.check(change(token, 10)), tokensmith.MalformedTokenError, { field: 'checksum' })
    expectError(() => authToken.check(token.slice(0, -1)), tokensmith.MalformedTokenError, { field: 'length' })
    expectError(() => authToken.check(`${token.slice(0, 10)}!${token.slice(11)}`), tokensmith.MalformedTokenError, {
      field: 'alphabet',
    })
    expectError(() => authToken.check(token.replace('tks_', 'tkz_')), tokensmith.MalformedTokenError, { field: 'prefix' })
  })

  test('fingerprint is the hex SHA-256 of the token', () => {
    expect(authToken.fingerprint(token)).toBe(crypto.createHash('sha256').update(token).digest('hex'))
    expect(authToken.fingerprint('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  test('redact keeps the prefix and the last four characters only', () => {
    expect(authToken.redact(token)).toBe(`tks_…${token.slice(-4)}`)
    expect(authToken.redact(token)).not.toContain(token.slice(4, -4))
  })
})

describe('explain', () => {
  const userToken = agora.buildChatUserToken({ appId: APP_ID, appCertificate: CERT, userId: 'alice', expire: 3600 })
  const parsed = agora.parse(userToken)

  test('an Agora chat user token, without and with the certificate', () => {
    const e = explain(userToken)
    expect(e).toMatchObject({
      format: 'agora-accesstoken2',
      kind: 'chat-user',
      issuer: APP_ID,
      subject: 'alice',
      issuedAt: parsed.issueTs,
      expiresAt: parsed.issueTs + 3600,
      grants: parsed.services,
      fingerprint: authToken.fingerprint(userToken),
      valid: null,
    })
    expect(e.checks.map((c) => [c.name, c.ok])).toEqual([['expiry', true]])
    const withCert = explain(userToken, CERT)
    expect(withCert.valid).toBe(true)
    expect(withCert.checks.map((c) => [c.name, c.ok])).toEqual([
      ['signature', true],
      ['expiry', true],
    ])
    const wrong = explain(userToken, CERT.replace('f', '0'))
    expect(wrong.valid).toBe(false)
    expect(wrong.checks[0]).toMatchObject({ name: 'signature', ok: false, code: 'BAD_SIGNATURE' })
  })

  test('an expired Agora app token names the failing check', () => {
    const app = agora.buildChatAppToken({ appId: APP_ID, appCertificate: CERT, expire: 60, issueTs: 1700000000, salt: 1 })
    const e = explain(app, CERT)
    expect(e).toMatchObject({ kind: 'chat-app', subject: null, valid: false })
    expect(e.checks.find((c) => c.name === 'signature')).toMatchObject({ ok: true })
    expect(e.checks.find((c) => c.name === 'expiry')).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' })
  })

  test('an Ably JWT, without and with the key secret', () => {
    const td = ably.issueToken(KEY, { clientId: 'bob', capability: { room: ['publish'] } })
    expect(explain(td.token)).toMatchObject({
      format: 'ably-jwt',
      issuer: KEY.keyName,
      subject: 'bob',
      issuedAt: td.issued / 1000,
      expiresAt: td.expires / 1000,
      grants: { room: ['publish'] },
      valid: null,
    })
    expect(explain(td.token, KEY.keySecret)).toMatchObject({ valid: true })
    const wrong = explain(td.token, 'not-the-secret')
    expect(wrong.valid).toBe(false)
    expect(wrong.checks.find((c) => c.name === 'signature')).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' })
    const old = explain(signJwt({ iat: 1600000000, exp: 1600003600, 'x-ably-capability': '{"*":["*"]}' }), KEY.keySecret)
    expect(old.valid).toBe(false)
    expect(old.checks.find((c) => c.name === 'signature')).toMatchObject({ ok: true })
    expect(old.checks.find((c) => c.name === 'expiry')).toMatchObject({ ok: false, code: 'TOKEN_EXPIRED' })
  })

  test('an Ably TokenRequest, without and with the key secret', () => {
    const fresh = JSON.stringify(ably.createTokenRequest(KEY, { ttl: 60000, capability: { room: ['subscribe'] } }))
    expect(explain(fresh)).toMatchObject({
      format: 'ably-token-request',
      issuer: KEY.keyName,
      grants: { ttl: 60000, capability: { room: ['subscribe'] } },
      valid: null,
    })
    expect(explain(fresh, KEY.keySecret).valid).toBe(true)
    const wrong = explain(fresh, 'not-the-secret')
    expect(wrong.checks.find((c) => c.name === 'mac')).toMatchObject({ ok: false, code: 'BAD_SIGNATURE' })
    const old = JSON.stringify(ably.createTokenRequest(KEY, { timestamp: 1700000000000 }))
    const e = explain(old, KEY.keySecret)
    expect(e.valid).toBe(false)
    expect(e.checks.find((c) => c.name === 'mac')).toMatchObject({ ok: true })
    expect(e.checks.find((c) => c.name === 'timestamp')).toMatchObject({ ok: false, code: 'TIMESTAMP_OUT_OF_WINDOW' })
  })

  test('an auth token needs no secret', () => {
    const t = authToken.generate()
    expect(explain(t)).toMatchObject({ format: 'auth-token', valid: true, grants: { redacted: authToken.redact(t) } })
    const bad = explain(`${t.slice(0, -1)}${t.endsWith('A') ? 'B' : 'A'}`)
    expect(bad.valid).toBe(false)
    expect(bad.checks[0]).toMatchObject({ ok: false, code: 'MALFORMED_TOKEN' })
  })

  test('surrounding white space is ignored; unknown or broken input throws', () => {
    expect(explain(`  ${userToken}\n`).fingerprint).toBe(authToken.fingerprint(userToken))
    expectError(() => explain('hello'), tokensmith.UnsupportedTokenError)
    expectError(() => explain('007abc'), tokensmith.MalformedTokenError)
  })
})

describe('defaults', () => {
  test('a chat token without issueTs or salt uses the current time and a salt in 1..99999999', () => {
    const before = Math.floor(Date.now() / 1000)
    const tokens = Array.from({ length: 8 }, () =>
      agora.buildChatUserToken({ appId: APP_ID, appCertificate: CERT, userId: 'alice', expire: 600 }),
    )
    const after = Math.floor(Date.now() / 1000)
    const salts = new Set()
    for (const t of tokens) {
      const p = agora.parse(t)
      expect(p.issueTs).toBeGreaterThanOrEqual(before)
      expect(p.issueTs).toBeLessThanOrEqual(after)
      expect(Number.isInteger(p.salt)).toBe(true)
      expect(p.salt).toBeGreaterThanOrEqual(1)
      expect(p.salt).toBeLessThanOrEqual(99999999)
      salts.add(p.salt)
      expect(agora.verify(t, CERT)).toEqual(p)
    }
    expect(salts.size).toBeGreaterThan(1)
  })

  test('a TokenRequest without nonce or timestamp gets a fresh nonce and the current time', () => {
    const before = Date.now()
    const a = ably.createTokenRequest(KEY)
    const b = ably.createTokenRequest(KEY, {})
    const after = Date.now()
    for (const r of [a, b]) {
      expect(r.nonce.length).toBeGreaterThanOrEqual(16)
      expect(r.timestamp).toBeGreaterThanOrEqual(before)
      expect(r.timestamp).toBeLessThanOrEqual(after)
      expect(Object.keys(r).sort()).toEqual(['keyName', 'mac', 'nonce', 'timestamp'])
      expect(ably.verifyTokenRequest(r, KEY)).toMatchObject({ nonce: r.nonce })
    }
    expect(a.nonce).not.toBe(b.nonce)
  })

  test('a TokenRequestVerifier without options uses the current time', () => {
    const verifier = new ably.TokenRequestVerifier()
    const r = ably.createTokenRequest(KEY)
    expect(verifier.verify(r, KEY)).toMatchObject({ timestamp: r.timestamp })
    expectError(() => verifier.verify(r, KEY), tokensmith.ReplayedNonceError, { vendorCode: 40105 })
  })
})
