// Exercises the whole public API of `tokensmith` with its published types. Only type-checked
// (tsc --noEmit, see types.test.js), never run. Each `@ts-expect-error` line is wrong usage the
// typings must refuse: tsc fails if such a line compiles.
import tokensmith, {
  agora,
  ably,
  authToken,
  explain,
  version,
  errorCodes,
  errors,
  TokensmithError,
  InvalidArgumentError,
  MalformedTokenError,
  BadSignatureError,
  TokenExpiredError,
  TokenNotYetValidError,
  CapabilityRefusedError,
  TimestampOutOfWindowError,
  ReplayedNonceError,
  ClientIdMismatchError,
  KeyMismatchError,
  TokenRevokedError,
  UnsupportedTokenError,
  UidAlreadyExistsError,
  StoreUnavailableError,
  UnauthorizedError,
  RateLimitedError,
  HttpError,
  NetworkError,
  RequestTimeoutError,
  Tokensmith,
} from 'tokensmith'
import type {
  AccessToken2,
  AgoraService,
  AblyKey,
  AblyJwtClaims,
  ChatAppTokenOptions,
  ChatUserTokenOptions,
  ErrorCode,
  Explanation,
  ExplainCheck,
  IssueTokenOptions,
  TokenDetails,
  TokenParams,
  TokenParamsInput,
  TokenRequest,
  VerifyOptions,
  VerifyRequestOptions,
  VerifyTokenOptions,
  AuthTokenInfo,
  AuthTokenMeta,
  CreatedUser,
  CreateUserOptions,
  IssuedToken,
  ListAuthTokensOptions,
  PushList,
  PushTokensInput,
  RevokeResult,
  RevokeSubjectOptions,
  ValidatedSession,
  TokenPage,
  TokensmithOptions,
  User,
} from 'tokensmith'

/** Compiles only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false
function assertType<A, B>(_proof: Equal<A, B>): void {}

// --- Agora AccessToken2 ---------------------------------------------------------------------
const appId = '970CA35de60c44645bbae8a215061b33'
const appCertificate = '5CFd2fd1755d40ecb72977518be15d3b'

const userOptions: ChatUserTokenOptions = { appId, appCertificate, userId: 'alice', expire: 600 }
const pinned: ChatUserTokenOptions = { ...userOptions, issueTs: 1111111, salt: 1 }
const userToken: string = agora.buildChatUserToken(pinned)
const appOptions: ChatAppTokenOptions = { appId, appCertificate, expire: 600 }
const appToken: string = agora.buildChatAppToken(appOptions)

const parsed: AccessToken2 = agora.parse(userToken)
const verifyOptions: VerifyOptions = { now: 1111112 }
const verified: AccessToken2 = agora.verify(appToken, appCertificate, verifyOptions)
agora.verify(appToken, appCertificate)
agora.verify(appToken, appCertificate, null)
const service: AgoraService = parsed.services[0]
const serviceFields: [number, string, number | undefined, string | undefined] = [
  service.type,
  service.name,
  service.privileges['1'],
  service.userId,
]
const issued: number = verified.issueTs + verified.expire + verified.salt
assertType<AgoraService['name'], 'rtc' | 'rtm' | 'streaming' | 'fpa' | 'chat' | 'fcdn' | 'apaas' | 'rtm2' | 'convoai' | 'stt' | 'unknown'>(true)

// @ts-expect-error appId is required
agora.buildChatUserToken({ appCertificate, userId: 'alice', expire: 600 })
// @ts-expect-error expire is a number of seconds, not a string
agora.buildChatUserToken({ appId, appCertificate, userId: 'alice', expire: '600' })
// @ts-expect-error an app token has no user
agora.buildChatAppToken({ appId, appCertificate, expire: 600, userId: 'alice' })
// @ts-expect-error now is unix seconds as a number
agora.verify(userToken, appCertificate, { now: '1111112' })
// @ts-expect-error the certificate is required
agora.verify(userToken)

// --- Ably -----------------------------------------------------------------------------------
const key: AblyKey = { keyName: 'appAlpha.keyOne', keySecret: 'alphaSecretValue01' }
const params: TokenParamsInput = {
  ttl: 3600000,
  capability: { 'chat:*': ['publish', 'subscribe'] },
  clientId: 'alice',
  timestamp: 1700000000000,
  nonce: '0000000000000001',
}
const request: TokenRequest = ably.createTokenRequest(key, params)
ably.createTokenRequest(key)
ably.createTokenRequest(key, { capability: '{"*":["*"]}' })
const optionalFields: [number | undefined, string | undefined, string | undefined] = [
  request.ttl,
  request.capability,
  request.clientId,
]
const requestOptions: VerifyRequestOptions = { now: request.timestamp, windowMs: 120000 }
const checked: TokenParams = ably.verifyTokenRequest(request, key, requestOptions)
const nullable: [number | null, string | null, string | null] = [checked.ttl, checked.capability, checked.clientId]

const verifier = new ably.TokenRequestVerifier()
const once: TokenParams = verifier.verify(request, key, { now: request.timestamp })
verifier.verify(request, key)

const issueOptions: IssueTokenOptions = { keyCapability: '{"*":["*"]}', defaultTtl: 60000, maxTtl: 86400000 }
const details: TokenDetails = ably.issueToken(key, { clientId: 'bob' }, issueOptions)
ably.issueToken(key)
const detailFields: [string, string, number, number, string, string | undefined] = [
  details.token,
  details.keyName,
  details.issued,
  details.expires,
  details.capability,
  details.clientId,
]
const tokenOptions: VerifyTokenOptions = {
  now: details.issued,
  leeway: 5,
  clientId: 'bob',
  resource: 'chat:lobby',
  operation: 'publish',
}
const claims: AblyJwtClaims = ably.verifyToken(details.token, key, tokenOptions)
const claimFields: [number, number, string, string | undefined] = [
  claims.iat,
  claims.exp,
  claims['x-ably-capability'],
  claims['x-ably-clientId'],
]

// @ts-expect-error a key needs its secret
ably.createTokenRequest({ keyName: 'appAlpha.keyOne' })
// @ts-expect-error operations are an array
ably.createTokenRequest(key, { capability: { room: 'publish' } })
// @ts-expect-error ttl is milliseconds as a number
ably.issueToken(key, { ttl: '1h' })
// @ts-expect-error the verifier needs the key
verifier.verify(request)
// @ts-expect-error the result of a verified request is not a TokenRequest
const notARequest: TokenRequest = ably.verifyTokenRequest(request, key)

// --- Auth tokens and explain ----------------------------------------------------------------
const opaque: string = authToken.generate()
assertType<ReturnType<typeof authToken.check>, void>(true)
authToken.check(opaque)
const fingerprint: string = authToken.fingerprint(opaque)
const redacted: string = authToken.redact(opaque)

const explanation: Explanation = explain(userToken)
explain(details.token, key.keySecret)
explain(JSON.stringify(request), null)
const check: ExplainCheck | undefined = explanation.checks[0]
const checkCode: string | undefined = check?.code
const valid: boolean | null = explanation.valid
const times: [number | null, number | null] = [explanation.issuedAt, explanation.expiresAt]
assertType<Explanation['format'], 'agora-accesstoken2' | 'ably-jwt' | 'ably-token-request' | 'auth-token'>(true)

// @ts-expect-error check() returns nothing
const notAString: string = authToken.check(opaque)
// @ts-expect-error not a format explain() reports
if (explanation.format === 'jwt') {
}

// --- Package values and errors --------------------------------------------------------------
const v: string = version
const codes: readonly ErrorCode[] = errorCodes
const sameModule: typeof agora = tokensmith.agora
const viaErrors: typeof BadSignatureError = errors.BadSignatureError

function handle(e: unknown): string {
  if (e instanceof TokenExpiredError || e instanceof TimestampOutOfWindowError) return 'late'
  if (e instanceof TokensmithError) {
    const code: ErrorCode = e.code
    const vendor: number | null = e.vendorCode
    const field: string | null = e.field
    const base: Error = e
    const status: number | null = e.status
    const serverCode: string | null = e.serverCode
    const waitMs: number | null = e.retryAfterMs
    return `${code} ${vendor ?? '-'} ${field ?? '-'} ${status ?? '-'} ${serverCode ?? '-'} ${waitMs ?? '-'} ${base.message}`
  }
  return 'other'
}

const classes: Array<typeof TokensmithError> = [
  InvalidArgumentError,
  MalformedTokenError,
  BadSignatureError,
  TokenExpiredError,
  TokenNotYetValidError,
  CapabilityRefusedError,
  TimestampOutOfWindowError,
  ReplayedNonceError,
  ClientIdMismatchError,
  KeyMismatchError,
  TokenRevokedError,
  UnsupportedTokenError,
]
// Applications may construct them too, e.g. to fake a failure in their own tests.
const made = new ReplayedNonceError('nonce already used', 'REPLAYED_NONCE', { vendorCode: 40105 })
const handled: string = handle(made)
const limited = new RateLimitedError('slow down', 'RATE_LIMITED', { status: 429, serverCode: 'ERR_TOO_MANY_REQUESTS', retryAfterMs: 2000 })
const networkClasses: Array<typeof TokensmithError> = [UnauthorizedError, HttpError, NetworkError, RequestTimeoutError]

// @ts-expect-error codes are a closed set
const unknownCode: ErrorCode = 'NOPE'
// @ts-expect-error the list of codes is read-only
errorCodes.push('INVALID_ARGUMENT')
// @ts-expect-error vendorCode is read-only
made.vendorCode = 1
// @ts-expect-error the code must be a known one
new TokensmithError('boom', 'BOOM')

// --- The retention service -------------------------------------------------------------------
const storeOptions: TokensmithOptions = { store: 'sqlite://./data/tokensmith.db', app: 'demo', retention: 100 }
const ts = new Tokensmith({ ...storeOptions, tokenTtlMs: 86400000, purgeArchivedAfterMs: 0, reauthMarginMs: 30000 })

async function retention(): Promise<string> {
  const newUser: CreateUserOptions = { uid: 'alice', name: 'Alice', profile: { role: 'admin' }, withAuthToken: true }
  const created: CreatedUser = await ts.users.create(newUser)
  const first: IssuedToken | undefined = created.authToken
  const user: User = await ts.users.get('alice')
  const userTimes: [number, Record<string, unknown> | undefined] = [user.createdAt, user.profile]
  await ts.users.delete('bob')

  const meta: AuthTokenMeta = { platform: 'web', userAgent: 'demo/1', appInfo: { version: '1.0' }, deviceId: 'd1' }
  const issued: IssuedToken = await ts.authTokens.create('alice', meta)
  await ts.authTokens.create('alice')
  const raw: string = issued.authToken
  const paging: ListAuthTokensOptions = { page: 2, perPage: 10 }
  const page: TokenPage = await ts.authTokens.list('alice', paging)
  await ts.authTokens.list('alice')
  const counts: number[] = [page.total, page.active, page.archived, page.page, page.perPage, page.totalPages]
  const info: AuthTokenInfo = await ts.authTokens.get('alice', issued.id)
  const infoFields: [string, string, boolean, number | undefined, string | undefined] = [
    info.id,
    info.redacted,
    info.archived,
    info.archivedAt,
    info.platform,
  ]
  const updated: AuthTokenInfo = await ts.authTokens.update('alice', raw, { userAgent: 'demo/2' })
  await ts.authTokens.delete('alice', issued.id)
  const flushed: number = await ts.authTokens.flush('alice')
  const session: ValidatedSession = await ts.authTokens.validate(raw)
  const sessionUid: string = session.user.uid + session.token.id

  const revokeOptions: RevokeSubjectOptions = { issuedBefore: Date.now(), allowReauthMargin: true }
  const revoked: RevokeResult = await ts.revokeSubject('alice', revokeOptions)
  const revokedAt: number = revoked.appliesAt - revoked.issuedBefore
  await ts.revokeSubject('alice')
  await ts.revokeToken(raw)
  await ts.logout(raw)
  const claims2: AblyJwtClaims = await ts.verifyAblyToken(details.token, key, { clientId: 'bob' })
  const agora2: AccessToken2 = await ts.verifyAgoraToken(userToken, appCertificate, { now: 1111112 })
  const params2: TokenParams = await ts.verifyTokenRequest(request, key, { windowMs: 60000 })
  await ts.verifyTokenRequest(request, key)

  const tokens: PushTokensInput = { apnsToken: 'apns', voipToken: 'voip' }
  await ts.push.register(raw, tokens)
  await ts.push.register(raw, { fcmToken: 'fcm' })
  const pushed: PushList = await ts.push.list(raw)
  const android: string[] = pushed.android.concat(pushed.ios, pushed.web)
  const deleted: number = await ts.push.delete(raw, { all: true })
  const purged: number = await ts.purgeArchived()
  await ts.close()

  try {
    await ts.users.create({ uid: 'alice' })
  } catch (e) {
    if (e instanceof UidAlreadyExistsError || e instanceof StoreUnavailableError) return e.code
  }
  const results: unknown[] = [first, userTimes, counts, infoFields, updated, flushed, sessionUid, revokedAt]
  return results.concat([claims2, agora2, params2, android, deleted, purged]).join()
}

// @ts-expect-error the store is required
new Tokensmith({ retention: 3 })
// @ts-expect-error retention is a number
new Tokensmith({ store: 'memory://', retention: '3' })
// @ts-expect-error a user needs a uid
ts.users.create({ name: 'x' })
// @ts-expect-error list results never carry the raw token
const noRaw: string = (null as unknown as TokenPage).tokens[0].authToken
// @ts-expect-error everything is async
const notAPromise: User = ts.users.get('alice')
// @ts-expect-error the sub-objects are read-only
ts.users = ts.users

export {
  retention,
  noRaw,
  notAPromise,
  serviceFields,
  issued,
  optionalFields,
  nullable,
  once,
  detailFields,
  claimFields,
  notARequest,
  fingerprint,
  redacted,
  checkCode,
  valid,
  times,
  notAString,
  v,
  codes,
  sameModule,
  viaErrors,
  classes,
  handled,
  limited,
  networkClasses,
  unknownCode,
}
