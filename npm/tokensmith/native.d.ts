/** A parsed Agora AccessToken2. Times are unix seconds; `expire` is relative to `issueTs`. */
export interface AccessToken2 {
  appId: string
  issueTs: number
  expire: number
  salt: number
  services: Array<AgoraService>
}

/** One service of an AccessToken2: its type, privileges (id → seconds after issueTs) and fields. */
export interface AgoraService {
  type: number
  name: 'rtc' | 'rtm' | 'streaming' | 'fpa' | 'chat' | 'fcdn' | 'apaas' | 'rtm2' | 'convoai' | 'stt' | 'unknown'
  privileges: Record<string, number>
  userId?: string
  channelName?: string
  uid?: string
  account?: string
  roomUuid?: string
  userUuid?: string
  role?: number
  resources?: Record<string, Record<string, string[]>>
}

/** An Ably TokenRequest with Ably's JSON field names; absent fields are omitted. */
export interface TokenRequest {
  keyName: string
  ttl?: number
  capability?: string
  clientId?: string
  timestamp: number
  nonce: string
  mac: string
}

/** The validated parameters of a verified TokenRequest. */
export interface TokenParams {
  ttl: number | null
  capability: string | null
  clientId: string | null
  timestamp: number | null
  nonce: string | null
}

/** Ably TokenDetails; `token` is an Ably JWT. Times are milliseconds since the epoch. */
export interface TokenDetails {
  token: string
  keyName: string
  issued: number
  expires: number
  capability: string
  clientId?: string
}

/** The claims of an Ably JWT (times in seconds). */
export interface AblyJwtClaims {
  iat: number
  exp: number
  'x-ably-capability': string
  'x-ably-clientId'?: string
}

/** One check of `explain`. */
export interface ExplainCheck {
  name: string
  ok: boolean
  detail: string
  code?: string
}

/** A redacted breakdown of a token (never contains the token or a secret). */
export interface Explanation {
  format: 'agora-accesstoken2' | 'ably-jwt' | 'ably-token-request' | 'auth-token'
  kind: string
  issuer: string | null
  subject: string | null
  issuedAt: number | null
  expiresAt: number | null
  grants: unknown
  fingerprint: string
  checks: Array<ExplainCheck>
  valid: boolean | null
}

// The public API of index.js. The native functions below take these objects' fields
// positionally and return flat tuples; index.js destructures and rebuilds the objects.

export interface AblyKey {
  keyName: string
  keySecret: string
}

export interface ChatAppTokenOptions {
  appId: string
  appCertificate: string
  expire: number
  issueTs?: number
  salt?: number
}

export interface ChatUserTokenOptions {
  appId: string
  appCertificate: string
  userId: string
  /** Seconds of validity from `issueTs` (at most 86400). */
  expire: number
  /** Unix seconds; defaults to now. */
  issueTs?: number
  /** 1..=99999999; defaults to a CSPRNG value. */
  salt?: number
}

export interface IssueTokenOptions {
  /** What the key may grant (default `{"*":["*"]}`). */
  keyCapability?: string | Record<string, string[]>
  /** Milliseconds (default 3600000). */
  defaultTtl?: number
  /** Milliseconds (default and ceiling 86400000). */
  maxTtl?: number
}

export interface TokenParamsInput {
  /** Milliseconds. */
  ttl?: number
  /** JSON text or an object of resource → operations. */
  capability?: string | Record<string, string[]>
  clientId?: string
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number
  nonce?: string
}

export interface VerifyOptions {
  /** Unix seconds; defaults to now. */
  now?: number
}

export interface VerifyRequestOptions {
  /** Milliseconds since the epoch; defaults to now. */
  now?: number
  /** Accepted distance from now, either way (default 120000). */
  windowMs?: number
}

export interface VerifyTokenOptions {
  /** Milliseconds since the epoch; defaults to now. */
  now?: number
  /** Seconds of clock skew tolerated. */
  leeway?: number
  /** The token must be for this client id (or `*`). */
  clientId?: string
  /** With `operation`: the capability must allow it on this resource. */
  resource?: string
  operation?: string
}

export declare namespace ably {
  /** Verifies TokenRequests and refuses a nonce seen before within the timestamp window. */
  export class TokenRequestVerifier {
    constructor()
    verify(request: TokenRequest, key: AblyKey, options?: VerifyRequestOptions): TokenParams
  }
  export function createTokenRequest(key: AblyKey, params?: TokenParamsInput | undefined | null): TokenRequest
  export function issueToken(key: AblyKey, params?: TokenParamsInput | undefined | null, options?: IssueTokenOptions | undefined | null): TokenDetails
  export function verifyToken(token: string, key: AblyKey, options?: VerifyTokenOptions | undefined | null): AblyJwtClaims
  export function verifyTokenRequest(request: TokenRequest, key: AblyKey, options?: VerifyRequestOptions): TokenParams
}

export declare namespace agora {
  export function buildChatAppToken(options: ChatAppTokenOptions): string
  export function buildChatUserToken(options: ChatUserTokenOptions): string
  export function parse(token: string): AccessToken2
  export function verify(token: string, appCertificate: string, options?: VerifyOptions | undefined | null): AccessToken2
}

// Results of the `Tokensmith` service (plain objects serialised by the core).

/** A user. `createdAt` is Unix milliseconds. */
export interface User {
  uid: string
  name: string
  createdAt: number
  profile?: Record<string, unknown>
}

/** An auth token as listed and returned: never the raw token. Times are Unix seconds. */
export interface AuthTokenInfo {
  /** 24 hex characters; names the token wherever a token is asked for. */
  id: string
  uid: string
  /** `tks_…` + the last 4 characters. */
  redacted: string
  createdAt: number
  expiresAt?: number
  archived: boolean
  archivedAt?: number
  platform?: string
  userAgent?: string
  appInfo?: unknown
  deviceId?: string
}

/** A freshly minted auth token: the only time the raw token (`authToken`) is shown. */
export interface IssuedToken extends AuthTokenInfo {
  authToken: string
}

/** A created user, with its first auth token when `withAuthToken` was set. */
export interface CreatedUser {
  user: User
  authToken?: IssuedToken
}

/** One page of a user's auth tokens, newest first (archived ones after the active ones). */
export interface TokenPage {
  tokens: Array<AuthTokenInfo>
  /** Active plus archived. */
  total: number
  active: number
  archived: number
  page: number
  perPage: number
  totalPages: number
}

/** A validated auth token with its user. */
export interface Session {
  user: User
  token: AuthTokenInfo
}

/** A user's push tokens, grouped by platform (VoIP tokens are kept, not listed). */
export interface PushList {
  ios: Array<string>
  web: Array<string>
  android: Array<string>
}

/** What a revocation did. Times are Unix milliseconds. */
export interface RevokeResult {
  issuedBefore: number
  appliesAt: number
}

// Results of the session's login (the REST API's user, as `PUT /v3.0/me` answers it).

/** A user as the service (or CometChat) answers it. `createdAt` is Unix seconds (0 if unknown). */
export interface ApiUser {
  uid: string
  name: string
  avatar?: string
  link?: string
  role?: string
  /** `offline` / `online`. */
  status?: string
  statusMessage?: string
  metadata?: unknown
  tags?: Array<string>
  createdAt: number
}

// Results of the REST `Client` (the service's, or CometChat's, JSON shapes). Times are Unix seconds.

/** A created user, with its raw auth token when `withAuthToken` was set. */
export interface ApiCreatedUser extends ApiUser {
  authToken?: string
}

/** An auth token as the REST API answers it. The raw `authToken` comes from tokensmith only on creation (CometChat sends it always). */
export interface ApiAuthToken {
  uid: string
  authToken?: string
  /** tokensmith's id of the token: names it wherever a token is asked for. */
  id?: string
  /** `tks_…` + the last 4 characters. */
  redacted?: string
  createdAt: number
  expiresAt?: number
  archived: boolean
  archivedAt?: number
  platform?: string
  userAgent?: string
  appInfo?: unknown
  deviceId?: string
}

/** `meta.pagination` of a list. */
export interface ApiPagination {
  total: number
  count: number
  per_page: number
  current_page: number
  total_pages: number
}

/** One page of a user's auth tokens, newest first. */
export interface ApiAuthTokenPage {
  items: Array<ApiAuthToken>
  pagination: ApiPagination
}

/** The answer of deletes, flushes, logout and push calls. */
export interface Ack {
  success: boolean
  message?: string
}

/** The logged-in user (`PUT`/`GET /v3.0/me`). */
export interface Me extends ApiUser {
  jwt?: string
  settings?: unknown
}

/** A `revokeTokens` outcome per target: revoked (`issuedBefore`, `appliesAt`, Unix ms) or failed (`error`). */
export interface RevocationResult {
  target: string
  issuedBefore?: number
  appliesAt?: number
  error?: { code: number; statusCode: number; message: string }
}

/** Ably's BatchResult of `revokeTokens`. */
export interface BatchResult {
  successCount: number
  failureCount: number
  results: Array<RevocationResult>
}

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

export declare class NativeClient {
  constructor(options: ClientOptions)
  /** The same client acting for the user of `authToken` (shares the connection pool). */
  withAuthToken(authToken: string): NativeClient
  healthz(): Promise<void>
  readyz(): Promise<void>
  createUser(user: CreateUserInput): Promise<ApiCreatedUser>
  getUser(uid: string): Promise<ApiUser>
  deleteUser(uid: string): Promise<Ack>
  createAuthToken(uid: string, meta?: AuthTokenMeta | undefined | null, options?: CreateAuthTokenOptions | undefined | null): Promise<ApiAuthToken>
  /** `{ items, pagination }`; `page` counts from 1 (default 1), `perPage` default 100. */
  listAuthTokens(uid: string, page?: number | undefined | null, perPage?: number | undefined | null): Promise<ApiAuthTokenPage>
  listAllAuthTokens(uid: string): Promise<ApiAuthToken[]>
  getAuthToken(uid: string, tokenOrId: string): Promise<ApiAuthToken>
  updateAuthToken(uid: string, tokenOrId: string, meta: AuthTokenMeta): Promise<ApiAuthToken>
  deleteAuthToken(uid: string, tokenOrId: string): Promise<Ack>
  flushAuthTokens(uid: string): Promise<Ack>
  login(meta?: AuthTokenMeta | undefined | null): Promise<Me>
  me(): Promise<Me>
  logout(): Promise<Ack>
  registerPush(tokens: PushTokensInput): Promise<Ack>
  listPush(): Promise<PushList>
  deletePush(options?: DeletePushOptions | undefined | null): Promise<Ack>
  /** A signed TokenRequest (sent without credentials) or TokenParams (sent with the Ably key). */
  requestToken(request?: TokenRequest | TokenParamsInput): Promise<TokenDetails>
  revokeTokens(targets: Array<string>, options?: RevokeSubjectOptions | undefined | null): Promise<BatchResult>
  /** The server's clock, Unix ms. */
  time(): Promise<number>
  /** What `/auth/ably` hands an Ably client: a TokenRequest, TokenDetails or a token string. */
  authAbly(params?: TokenParamsInput): Promise<TokenRequest | TokenDetails | string>
  generateUserToken(userUuid: string, expire: number): Promise<string>
  generateAppToken(expire: number): Promise<string>
  tokenGenerate(userId: string, expireSeconds: number, tokenType?: 'user' | 'app'): Promise<string>
}

export declare class NativeServer {
  /** `http://127.0.0.1:PORT`. */
  get url(): string
  get app(): ServedApp | null
  /**
   * Stops accepting connections and resolves once in-flight requests have finished (at most
   * `limits.shutdownGraceMs`). Idempotent.
   */
  close(): Promise<void>
}

/** The native half of `Session` (see `session.js`, the public class). */
export declare class NativeSession {
  /** `session.js` passes the options, the wrapped `authCallback` and its `emit`. */
  constructor(auth: AuthInput, tokenParams: SessionTokenParams | undefined | null, settings: SessionSettings, authCallback: ((tokenParams: object) => Promise<object>) | undefined | null, emit: (name: string, payload: object, error?: Error | null) => void)
  /** A valid token: the held one, or a fresh one shared with every concurrent caller. */
  token(): Promise<SessionToken>
  /** The held token, without fetching or checking expiry. */
  current(): SessionToken | null
  /**
   * Ably's `authorize(tokenParams, authOptions)`: a new token now; what is given becomes the
   * default for later renewals. Arguments are checked before the Promise exists.
   */
  authorize(tokenParams?: SessionTokenParams | undefined | null, auth?: AuthInput | undefined | null, authCallback?: ((tokenParams: object) => Promise<object>) | undefined | null): Promise<SessionToken>
  /**
   * A server refused `token` (`refused`: expired, revoked…, Ably 40140–40149; `notFound`:
   * CometChat's unknown auth token): resolves to the token to retry with, once. The refused
   * one is never handed out again; a session that cannot renew rejects (and logs out on
   * `notFound`).
   */
  recover(token: string, kind?: 'refused' | 'notFound' | undefined | null): Promise<SessionToken>
  /**
   * CometChat's login: checks `authToken` with the service (`PUT /v3.0/me`) and holds it;
   * resolves to the user.
   */
  login(authToken: string, options?: LoginInput | undefined | null): Promise<ApiUser>
  /** The logged-in user; `null` before a login and after a logout. */
  currentUser(): ApiUser | null
  /**
   * Ends the login: the token is dropped, `loggedOut` emitted, and the service told
   * (`DELETE /v3.0/me`; a token it no longer knows counts as logged out).
   */
  logout(): Promise<void>
  /**
   * Stops everything: pending and later calls reject with `SessionClosedError`, no more
   * events, and the callbacks are released.
   */
  close(): void
  /** Records the server's current time (ms); expiry is then judged on the server's clock. */
  setServerTime(serverNowMs: number): void
  /** Provider fetches so far, retries included. */
  get fetches(): number
}

/**
 * Verifies TokenRequests and refuses a nonce seen before within the timestamp window;
 * `ably.TokenRequestVerifier` wraps it.
 */
export declare class TokenRequestVerifier {
  constructor()
  /** `verifier.verify(request, key, options?)`. */
  verify(request: any, keyName: unknown, keySecret: unknown, now: unknown, windowMs: unknown): [number | null, string | null, string | null, number | null, string | null]
}

/** The service over one store, opened on first use. */
export declare class Tokensmith {
  constructor(options: TokensmithOptions)
  /** Drops this handle's store; later calls reject with `STORE_UNAVAILABLE`. */
  close(): void
  usersCreate(options: CreateUserOptions): Promise<CreatedUser>
  usersGet(uid: string): Promise<User>
  usersDelete(uid: string): Promise<void>
  authTokensCreate(uid: string, meta?: AuthTokenMeta | undefined | null): Promise<IssuedToken>
  authTokensList(uid: string, options?: ListAuthTokensOptions | undefined | null): Promise<TokenPage>
  authTokensGet(uid: string, tokenOrId: string): Promise<AuthTokenInfo>
  authTokensUpdate(uid: string, tokenOrId: string, patch: AuthTokenMeta): Promise<AuthTokenInfo>
  authTokensDelete(uid: string, tokenOrId: string): Promise<void>
  authTokensFlush(uid: string): Promise<number>
  validate(token: string): Promise<Session>
  logout(token: string): Promise<void>
  revokeToken(token: string): Promise<void>
  revokeSubject(subject: string, options?: RevokeSubjectOptions | undefined | null): Promise<RevokeResult>
  /** The key and options cross positionally (`service.js` destructures them). */
  verifyAblyToken(token: string, keyName: string, keySecret: string, now?: number | undefined | null, leeway?: number | undefined | null, clientId?: string | undefined | null, resource?: string | undefined | null, operation?: string | undefined | null): Promise<AblyJwtClaims>
  verifyAgoraToken(token: string, appCertificate: string, now?: number | undefined | null): Promise<AccessToken2>
  verifyTokenRequest(request: TokenRequest, keyName: string, keySecret: string, windowMs?: number | undefined | null): Promise<TokenParams>
  pushRegister(authToken: string, tokens: PushTokensInput): Promise<void>
  pushList(authToken: string): Promise<PushList>
  pushDelete(authToken: string, options?: DeletePushOptions | undefined | null): Promise<number>
  purgeArchived(): Promise<number>
}

/**
 * What a key grants when neither the params nor the options name a capability; the JS layer
 * reads it from here for `ably.issueToken`'s short way.
 */
export declare const ABLY_CAPABILITY_ALL: string

/** `ably.createTokenRequest(key, params?)`. */
export declare function ablyCreateTokenRequest(keyName: unknown, keySecret: unknown, ttl: unknown, capability: unknown, clientId: unknown, timestamp: unknown, nonce: unknown): [string | null, number, string, string, string | null, string | null]

/** `ably.issueToken(key, params?, options?)`. */
export declare function ablyIssueToken(keyName: unknown, keySecret: unknown, ttl: unknown, capability: unknown, clientId: unknown, timestamp: unknown, nonce: unknown, keyCapability: unknown, defaultTtl: unknown, maxTtl: unknown, times: Float64Array): string | [string, number, number, string, string | null, string | null]

/**
 * `ably.verifyToken(token, key, options?)`: `capability + clientId`, with `out` =
 * `[iat, exp, capability length in UTF-16 units, 1 if a client id follows else 0]`.
 */
export declare function ablyVerifyToken(token: string, keyName: unknown, keySecret: unknown, now: unknown, leeway: unknown, clientId: unknown, resource: unknown, operation: unknown, out: Float64Array): string | [number, number, string, string | null]

/** `ably.verifyTokenRequest(request, key, options?)`. */
export declare function ablyVerifyTokenRequest(request: any, keyName: unknown, keySecret: unknown, now: unknown, windowMs: unknown): [number | null, string | null, string | null, number | null, string | null]

/** `agora.buildChatAppToken(options)`. */
export declare function agoraBuildChatAppToken(appId: unknown, appCertificate: unknown, expire: unknown, issueTs: unknown, salt: unknown): string

/** `agora.buildChatUserToken(options)`. */
export declare function agoraBuildChatUserToken(appId: unknown, appCertificate: unknown, userId: unknown, expire: unknown, issueTs: unknown, salt: unknown): string

export declare function agoraParse(token: string): AccessToken2

/** An Agora token server (`POST {baseUrl}/generate-user-token`). */
export interface AgoraTokenServerInput {
  baseUrl: string
  userUuid: string
  /** Token lifetime asked for, in seconds (default 3600, at most 86400). */
  expire?: number
  /** One of `apiKey` and `authToken` (the user's own auth token). */
  apiKey?: string
  authToken?: string
  /** The `appid` header (default: the session's `appId`). */
  appId?: string
}

/** `agora.verify(token, appCertificate, options?)`. */
export declare function agoraVerify(token: string, appCertificate: string, now: unknown): AccessToken2

/**
 * The means of getting tokens: at most one of `key`, `authUrl`, the `authCallback` (passed
 * beside this object) and `agoraTokenServer`; `token` alone is a static token, with a means
 * it is the token to start with.
 */
export interface AuthInput {
  /** An Ably key `keyName:keySecret`: every token is an Ably JWT signed locally. */
  key?: string
  authUrl?: string
  /** `GET` (default), `POST` (form body) or `POST+JSON`. */
  authMethod?: string
  authHeaders?: Record<string, string>
  authParams?: Record<string, string>
  token?: string | TokenDetails
  agoraTokenServer?: AgoraTokenServerInput
}

/** What a client attaches to its auth token (CometChat's token properties). */
export interface AuthTokenMeta {
  platform?: string
  userAgent?: string
  appInfo?: unknown
  deviceId?: string
}

/** `new Client(options)`. */
export interface ClientOptions {
  /** `http://127.0.0.1:8080`, or CometChat's `https://{appId}.api-{region}.cometchat.io/v3`. */
  baseUrl: string
  /** The REST API key (`apikey` header) for the admin routes. */
  apiKey?: string
  /** Sent as the `appid` header (the tokensmith service picks the app from it). */
  appId?: string
  /** A user's auth token (`authtoken` header) for `me`, push and `/auth/ably`. */
  authToken?: string
  /** `name:secret`, for `requestToken` with TokenParams and `revokeTokens`. */
  ablyKey?: string
  /** Time allowed for one attempt (default 10000). */
  timeoutMs?: number
  /** Retries after the first attempt (default 2; 0 never retries). */
  retries?: number
  /**
   * The longest `Retry-After` waited out before retrying (default 30000); a longer one
   * rejects at once with `RATE_LIMITED` and its `retryAfterMs`.
   */
  maxRetryAfterMs?: number
}

/** `createAuthToken(uid, meta, options)`. */
export interface CreateAuthTokenOptions {
  /** Always mint, even when the device already has an active token. */
  force?: boolean
}

/** `createUser(user)`: the user and its profile, CometChat's names. */
export interface CreateUserInput {
  uid: string
  name: string
  avatar?: string
  link?: string
  role?: string
  statusMessage?: string
  metadata?: unknown
  tags?: Array<string>
  /** Also mint an auth token, returned as `authToken`. */
  withAuthToken?: boolean
}

/** `users.create(options)`. */
export interface CreateUserOptions {
  /** 1–100 of `a-z 0-9 - _`, case-insensitive (stored lower case). */
  uid: string
  /** Defaults to the uid. */
  name?: string
  /** Profile fields (avatar, link, role, statusMessage, metadata, tags), kept as given. */
  profile?: Record<string, unknown>
  /** Also mint an auth token (returned once, as `authToken.authToken`). */
  withAuthToken?: boolean
  platform?: string
  userAgent?: string
  appInfo?: unknown
  deviceId?: string
}

/** `push.delete(authToken, options)`. */
export interface DeletePushOptions {
  /** Every registration of the session's user, not only this session's. */
  all?: boolean
}

/** Every stable error code, so the JS layer can check it maps each one. */
export declare function errorCodes(): Array<string>

export declare function explain(token: string, secret?: string | undefined | null): Explanation

/** `authTokens.list(uid, options)`. */
export interface ListAuthTokensOptions {
  /** Counts from 1 (default 1). */
  page?: number
  /** Clamped to 1..=1000 (default: the largest page). */
  perPage?: number
}

/** `login(authToken, options)`: what is bound to the token, and where to log in. */
export interface LoginInput {
  /** Default: the session's `baseUrl`. */
  baseUrl?: string
  /** Default: the session's `appId`. */
  appId?: string
  platform?: string
  userAgent?: string
  appInfo?: unknown
  deviceId?: string
}

/** `push.register(authToken, tokens)`: an FCM token, or an APNs token with an optional VoIP token. */
export interface PushTokensInput {
  fcmToken?: string
  apnsToken?: string
  voipToken?: string
}

/** `revokeSubject(subject, options)`. */
export interface RevokeSubjectOptions {
  /** Unix ms; tokens issued before it are revoked (default now; at most an hour ago). */
  issuedBefore?: number
  /** Postpone enforcement by `reauthMarginMs`, so live clients can renew first. */
  allowReauthMargin?: boolean
}

export declare function serve(options?: ServeOptions | undefined | null): Promise<NativeServer>

/** The first credential of each kind of the first app. */
export interface ServedApp {
  appId: string
  apiKey?: string
  authOnlyKey?: string
  ablyKey?: string
  agoraAppId?: string
  agoraAppCertificate?: string
}

/**
 * `serve(options)`. Without `apps`, one app is generated with fresh credentials (read them
 * from the handle's `app`); `appId`, `retention`, `tokenTtlMs`, `rateLimitPerMinute` and
 * `ablyUserCapability` shape that generated app.
 */
export interface ServeOptions {
  /** Store URL: `memory://` (default), `sqlite://PATH`, `redis://…`. */
  store?: string
  /** `HOST:PORT`; default `127.0.0.1:0` (an ephemeral port). */
  listen?: string
  /** Id of the generated app (default `test`). */
  appId?: string
  retention?: number
  tokenTtlMs?: number
  /** Per credential; 0 = unlimited. */
  rateLimitPerMinute?: number
  ablyUserCapability?: string | Record<string, string[]>
  /** Apps as in the TOML configuration (camelCase or snake_case keys), used as given. */
  apps?: Array<Record<string, unknown>>
  /** `{ bodyLimitBytes, requestTimeoutMs, shutdownGraceMs }`. */
  limits?: { bodyLimitBytes?: number; requestTimeoutMs?: number; shutdownGraceMs?: number }
}

/** Where the service is, and the renewal settings; absent ones take the core's defaults. */
export interface SessionSettings {
  /**
   * The tokensmith service (or Ably REST host): TokenRequests are exchanged there, its
   * clock is read (`GET /time`), and `login` talks to it.
   */
  baseUrl?: string
  /** The `appid` header for `login` and the Agora token server. */
  appId?: string
  /** Read the server's clock before the first fetch (default true when there is a URL). */
  queryTime?: boolean
  /** Time allowed for each HTTP request (default 10 000). */
  httpTimeoutMs?: number
  /** Renew this long before expiry (default 30 000). */
  marginMs?: number
  /** Renew up to this much earlier still, at random (default 10 000). */
  jitterMs?: number
  /** Renew in the background ahead of expiry (default true). */
  background?: boolean
  /** Server time minus local time, when known (then `/time` is not read). */
  serverOffsetMs?: number
  /** Retries of a failing provider: the first wait's ceiling (default 1 000)… */
  backoffBaseMs?: number
  /** …the largest wait (default 30 000)… */
  backoffCapMs?: number
  /** …and the fetches per renewal, the first included (default 6). */
  maxAttempts?: number
}

/** The token a session holds. Times are ms since the epoch, on the server's clock. */
export interface SessionToken {
  token: string
  expires?: number
  issued?: number
  clientId?: string
  format: 'ably-jwt' | 'ably-token' | 'agora-accesstoken2' | 'auth-token' | 'unknown'
}

/** The Ably TokenParams kept for every renewal. */
export interface SessionTokenParams {
  ttl?: number
  capability?: string | Record<string, string[]>
  clientId?: string
}

/** `new Tokensmith(options)`. Absent numbers take the core's `Config::default()`. */
export interface TokensmithOptions {
  /** `sqlite://PATH`, `redis://HOST:PORT/DB` or `memory://` (required). */
  store?: string
  /** Namespace inside the store (one store can hold many apps). */
  app?: string
  /** Active auth tokens kept per user; one more archives the oldest (0 = unlimited). */
  retention?: number
  /** Lifetime of auth tokens in ms; absent = they never expire. */
  tokenTtlMs?: number
  /** Archived tokens are forgotten by `purgeArchived()` this long after archiving. */
  purgeArchivedAfterMs?: number
  /** How much later a revocation with `allowReauthMargin` takes effect. */
  reauthMarginMs?: number
}

/** The version of the native addon (the same as the npm package's). */
export declare function version(): string

export declare namespace authToken {
  /** Throws `MalformedTokenError` for a mistyped or truncated token (no lookup needed). */
  export function check(token: string): void
  export function fingerprint(token: string): string
  export function generate(): string
  export function redact(token: string): string
}
