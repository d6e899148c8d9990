// The golden vectors shared with the Rust and Python suites, through the public npm API.
const { agora, ably, BadSignatureError, TokenExpiredError, KeyMismatchError } = require('tokensmith')
const {
  TimestampOutOfWindowError,
  ReplayedNonceError,
  TokensmithError,
} = require('tokensmith')
const { loadVectors, thrown } = require('./helpers')

const agoraDoc = loadVectors('agora_accesstoken2.json')
const ablyDoc = loadVectors('ably_token_request.json')

const OTHER_CERTIFICATE = '00000000000000000000000000000000'
const PRIVILEGE = { chat_user: 1, chat_app: 2 }
const SERVICE_NAMES = { 1: 'rtc', 2: 'rtm', 4: 'fpa', 5: 'chat', 7: 'apaas' }
const CAMEL = { channel_name: 'channelName', user_id: 'userId', room_uuid: 'roomUuid', user_uuid: 'userUuid' }

describe('Agora AccessToken2 chat cases', () => {
  test('the vector file has the nine cases the other suites run', () => {
    expect(agoraDoc.cases).toHaveLength(9)
  })

  describe.each(agoraDoc.cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const variants = ['token', 'token_node', 'token_go_reference_test'].filter((v) => typeof c[v] === 'string')
    const expected = {
      appId: c.app_id,
      issueTs: c.issue_ts,
      expire: c.expire,
      salt: c.salt,
      services: [
        {
          type: 5,
          name: 'chat',
          privileges: { [PRIVILEGE[c.kind]]: c.expire },
          // An app token carries an empty user id.
          userId: c.user_id ?? '',
        },
      ],
    }

    test('builds byte-exact with issueTs and salt pinned', () => {
      const common = {
        appId: c.app_id,
        appCertificate: c.app_certificate,
        expire: c.expire,
        issueTs: c.issue_ts,
        salt: c.salt,
      }
      const token =
        c.kind === 'chat_user'
          ? agora.buildChatUserToken({ ...common, userId: c.user_id })
          : agora.buildChatAppToken(common)
      expect(token).toBe(c.token)
    })

    test.each(variants)('parse(%s) gives the inputs back', (variant) => {
      expect(agora.parse(c[variant])).toEqual(expected)
    })

    test.each(variants)('verify(%s) succeeds inside the validity window', (variant) => {
      for (const now of [c.issue_ts, c.issue_ts + Math.floor(c.expire / 2), c.issue_ts + c.expire - 1]) {
        expect(agora.verify(c[variant], c.app_certificate, { now })).toEqual(expected)
      }
    })

    test.each(variants)('verify(%s) refuses another certificate', (variant) => {
      const now = c.issue_ts + 1
      const err = thrown(() => agora.verify(c[variant], OTHER_CERTIFICATE, { now }))
      expect(err).toBeInstanceOf(BadSignatureError)
      expect(err).toBeInstanceOf(TokensmithError)
      expect(err.code).toBe('BAD_SIGNATURE')
      // The certificate's case matters: it is signed as ASCII.
      const flipped = c.app_certificate.replace(/[a-f]/, (ch) => ch.toUpperCase())
      if (flipped !== c.app_certificate) {
        expect(thrown(() => agora.verify(c[variant], flipped, { now }))).toBeInstanceOf(BadSignatureError)
      }
    })

    test.each(variants)('verify(%s) is expired at and after issueTs + expire', (variant) => {
      for (const now of [c.issue_ts + c.expire, c.issue_ts + c.expire + 1, c.issue_ts + 10 * c.expire]) {
        const err = thrown(() => agora.verify(c[variant], c.app_certificate, { now }))
        expect(err).toBeInstanceOf(TokenExpiredError)
        expect(err.code).toBe('TOKEN_EXPIRED')
      }
    })
  })
})

describe('Agora reference tokens of other services', () => {
  describe.each(agoraDoc.other_reference_test_vectors.map((c) => [c.name, c]))('%s', (_name, c) => {
    const expectedServices = c.services.map((svc) => {
      const out = { name: SERVICE_NAMES[svc.type] }
      for (const [k, v] of Object.entries(svc)) out[CAMEL[k] ?? k] = v
      return out
    })
    const expected = {
      appId: c.app_id,
      issueTs: c.issue_ts,
      expire: c.expire,
      salt: c.salt,
      services: expectedServices,
    }

    test.each(Object.entries(c.tokens))('%s token parses with every service field', (_producer, token) => {
      const parsed = agora.parse(token)
      expect(parsed.services.map((s) => s.type)).toEqual(c.services.map((s) => s.type))
      expect(parsed).toEqual(expected)
    })

    test.each(Object.entries(c.tokens))('%s token verifies', (_producer, token) => {
      expect(agora.verify(token, c.app_certificate, { now: c.issue_ts + 1 })).toEqual(expected)
      expect(thrown(() => agora.verify(token, OTHER_CERTIFICATE, { now: c.issue_ts + 1 }))).toBeInstanceOf(
        BadSignatureError,
      )
      expect(thrown(() => agora.verify(token, c.app_certificate, { now: c.issue_ts + c.expire }))).toBeInstanceOf(
        TokenExpiredError,
      )
    })
  })
})

describe('Ably TokenRequests made by ably-js', () => {
  test('the vector file has the eight cases the other suites run', () => {
    expect(ablyDoc.cases).toHaveLength(8)
  })

  describe.each(ablyDoc.cases.map((c) => [c.name, c]))('%s', (_name, c) => {
    const key = { keyName: c.key_name, keySecret: c.key_secret }
    const request = c.token_request
    const now = request.timestamp

    test('createTokenRequest equals ably-js, with no extra fields', () => {
      const made = ably.createTokenRequest(key, c.token_params)
      expect(made).toEqual(request)
      expect(Object.keys(made).sort()).toEqual(Object.keys(request).sort())
    })

    test('a capability as an object and as its JSON text give the same request', () => {
      const cap = c.token_params.capability
      const asText = typeof cap === 'string' ? cap : JSON.stringify(cap ?? { '*': ['*'] })
      const asObject = JSON.parse(asText)
      const fromText = ably.createTokenRequest(key, { ...c.token_params, capability: asText })
      const fromObject = ably.createTokenRequest(key, { ...c.token_params, capability: asObject })
      expect(fromObject).toEqual(fromText)
      if (cap !== undefined) expect(fromText).toEqual(request)
    })

    test('verifyTokenRequest accepts the ably-js request and returns its params', () => {
      expect(ably.verifyTokenRequest(request, key, { now })).toEqual({
        ttl: request.ttl ?? null,
        capability: request.capability ?? null,
        clientId: request.clientId ?? null,
        timestamp: request.timestamp,
        nonce: request.nonce,
      })
    })

    const alterations = {
      mac: (r) => ({ ...r, mac: (r.mac[0] === 'A' ? 'B' : 'A') + r.mac.slice(1) }),
      ttl: (r) => ({ ...r, ttl: (r.ttl ?? 3600000) + 1000 }),
      capability: (r) => ({ ...r, capability: '{"elsewhere":["subscribe"]}' }),
      clientId: (r) => ({ ...r, clientId: `${r.clientId ?? 'mallory'}x` }),
      timestamp: (r) => ({ ...r, timestamp: r.timestamp + 1 }),
      nonce: (r) => ({ ...r, nonce: `${r.nonce}x` }),
    }
    test.each(Object.keys(alterations))('an altered %s is a bad signature (40101)', (field) => {
      const err = thrown(() => ably.verifyTokenRequest(alterations[field](request), key, { now }))
      expect(err).toBeInstanceOf(BadSignatureError)
      expect(err).toMatchObject({ code: 'BAD_SIGNATURE', vendorCode: 40101 })
    })

    test('another secret is a bad signature, another key name a key mismatch', () => {
      const err = thrown(() => ably.verifyTokenRequest(request, { ...key, keySecret: `${key.keySecret}x` }, { now }))
      expect(err).toBeInstanceOf(BadSignatureError)
      expect(err.vendorCode).toBe(40101)
      const other = thrown(() => ably.verifyTokenRequest(request, { ...key, keyName: 'other.key' }, { now }))
      expect(other).toBeInstanceOf(KeyMismatchError)
    })

    test('the timestamp must be within ±2 minutes of now (40104)', () => {
      expect(() => ably.verifyTokenRequest(request, key, { now: now + 120000 })).not.toThrow()
      expect(() => ably.verifyTokenRequest(request, key, { now: now - 120000 })).not.toThrow()
      for (const off of [120001, -120001, 3600000]) {
        const err = thrown(() => ably.verifyTokenRequest(request, key, { now: now + off }))
        expect(err).toBeInstanceOf(TimestampOutOfWindowError)
        expect(err).toMatchObject({ code: 'TIMESTAMP_OUT_OF_WINDOW', vendorCode: 40104 })
      }
    })

    test('a TokenRequestVerifier accepts a request once, then refuses the replay (40105)', () => {
      const verifier = new ably.TokenRequestVerifier()
      // A refused request does not use up its nonce.
      expect(thrown(() => verifier.verify(alterations.mac(request), key, { now }))).toBeInstanceOf(BadSignatureError)
      expect(verifier.verify(request, key, { now })).toMatchObject({ nonce: request.nonce })
      const err = thrown(() => verifier.verify(request, key, { now: now + 1 }))
      expect(err).toBeInstanceOf(ReplayedNonceError)
      expect(err).toMatchObject({ code: 'REPLAYED_NONCE', vendorCode: 40105 })
      // Each verifier has its own memory.
      expect(() => new ably.TokenRequestVerifier().verify(request, key, { now })).not.toThrow()
    })
  })
})
