// Public types of the `tokensmith` package. Function signatures come from the generated
// native.d.ts; this file adds the error classes and the package-level exports.
import type * as native from './native'

export type {
  AccessToken2,
  AgoraService,
  AblyKey,
  AblyJwtClaims,
  ChatAppTokenOptions,
  ChatUserTokenOptions,
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
} from './native'

/** Agora AccessToken2 (`007`) chat tokens. */
export declare const agora: typeof native.agora

/** Ably TokenRequests, TokenDetails (Ably JWTs) and replay-protected verification. */
export declare const ably: typeof native.ably

/** Opaque per-user auth tokens (`tks_…`). */
export declare const authToken: typeof native.authToken

/** A redacted breakdown of any supported token; with the secret, which check fails and by how much. */
export declare const explain: typeof native.explain

/** The package version. */
export declare const version: string

/** Every stable error code. */
export declare const errorCodes: readonly ErrorCode[]

export type ErrorCode =
  | 'INVALID_ARGUMENT'
  | 'MALFORMED_TOKEN'
  | 'BAD_SIGNATURE'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'CAPABILITY_REFUSED'
  | 'TIMESTAMP_OUT_OF_WINDOW'
  | 'REPLAYED_NONCE'
  | 'CLIENT_ID_MISMATCH'
  | 'KEY_MISMATCH'
  | 'TOKEN_REVOKED'
  | 'UNSUPPORTED_TOKEN'
  | 'UID_ALREADY_EXISTS'
  | 'USER_NOT_FOUND'
  | 'AUTH_TOKEN_NOT_FOUND'
  | 'STORE_UNAVAILABLE'
  | 'UNAUTHORIZED'
  | 'RATE_LIMITED'
  | 'HTTP_ERROR'
  | 'NETWORK_ERROR'
  | 'REQUEST_TIMEOUT'
  | 'NO_RENEWAL_MEANS'
  | 'PROVIDER_ERROR'
  | 'SESSION_CLOSED'

/**
 * Base class of every error tokensmith throws. `code` is stable across Rust, JS and Python.
 * (An argument of the wrong JS type, e.g. `expire: "600"`, is a `TypeError` instead.)
 */
export declare class TokensmithError extends Error {
  /** tokensmith creates these itself; constructing one is for tests that fake a failure. */
  constructor(message: string, code: ErrorCode, options?: TokensmithErrorOptions)
  readonly code: ErrorCode
  /** Ably's error code (e.g. 40142) where the error has one. */
  readonly vendorCode: number | null
  /** The argument or token part the error is about. */
  readonly field: string | null
  /** The HTTP status, when a server refused the request. */
  readonly status: number | null
  /** The server's own code (`ERR_UID_NOT_FOUND`, `40142`, …), when a server refused the request. */
  readonly serverCode: string | null
  /** How long the server asked to wait before trying again (RATE_LIMITED), when it said. */
  readonly retryAfterMs: number | null
}
export interface TokensmithErrorOptions {
  cause?: unknown
  vendorCode?: number | null
  field?: string | null
  status?: number | null
  serverCode?: string | null
  retryAfterMs?: number | null
}
export declare class InvalidArgumentError extends TokensmithError {}
export declare class MalformedTokenError extends TokensmithError {}
export declare class BadSignatureError extends TokensmithError {}
export declare class TokenExpiredError extends TokensmithError {}
export declare class TokenNotYetValidError extends TokensmithError {}
export declare class CapabilityRefusedError extends TokensmithError {}
export declare class TimestampOutOfWindowError extends TokensmithError {}
export declare class ReplayedNonceError extends TokensmithError {}
export declare class ClientIdMismatchError extends TokensmithError {}
export declare class KeyMismatchError extends TokensmithError {}
export declare class TokenRevokedError extends TokensmithError {}
export declare class UnsupportedTokenError extends TokensmithError {}
export declare class UidAlreadyExistsError extends TokensmithError {}
export declare class UserNotFoundError extends TokensmithError {}
export declare class AuthTokenNotFoundError extends TokensmithError {}
export declare class StoreUnavailableError extends TokensmithError {}
/** Credentials missing or wrong, or not allowed to make this call. */
export declare class UnauthorizedError extends TokensmithError {}
/** Too many requests; see `retryAfterMs`. */
export declare class RateLimitedError extends TokensmithError {}
/** A server error without a closer class, or a response that cannot be read. */
export declare class HttpError extends TokensmithError {}
/** The server could not be reached, or the connection failed before a full response. */
export declare class NetworkError extends TokensmithError {}
/** No response within the configured timeout. */
export declare class RequestTimeoutError extends TokensmithError {}
/** A session needs a new token but has no means to get one (Ably 40171). */
export declare class NoRenewalMeansError extends TokensmithError {}
/**
 * A session's token provider (authUrl, callback, token server) failed or answered something
 * unusable. `cause` is the provider's own error: a TokensmithError (e.g. an HttpError with the
 * server's `status`) or what a callback threw. `vendorCode` is the cause's Ably code, else
 * 40300 for a 403, else 40170.
 */
export declare class ProviderError extends TokensmithError {}
/** The session was closed. */
export declare class SessionClosedError extends TokensmithError {}

export declare const errors: {
  TokensmithError: typeof TokensmithError
  InvalidArgumentError: typeof InvalidArgumentError
  MalformedTokenError: typeof MalformedTokenError
  BadSignatureError: typeof BadSignatureError
  TokenExpiredError: typeof TokenExpiredError
  TokenNotYetValidError: typeof TokenNotYetValidError
  CapabilityRefusedError: typeof CapabilityRefusedError
  TimestampOutOfWindowError: typeof TimestampOutOfWindowError
  ReplayedNonceError: typeof ReplayedNonceError
  ClientIdMismatchError: typeof ClientIdMismatchError
  KeyMismatchError: typeof KeyMismatchError
  TokenRevokedError: typeof TokenRevokedError
  UnsupportedTokenError: typeof UnsupportedTokenError
  UidAlreadyExistsError: typeof UidAlreadyExistsError
  UserNotFoundError: typeof UserNotFoundError
  AuthTokenNotFoundError: typeof AuthTokenNotFoundError
  StoreUnavailableError: typeof StoreUnavailableError
  UnauthorizedError: typeof UnauthorizedError
  RateLimitedError: typeof RateLimitedError
  HttpError: typeof HttpError
  NetworkError: typeof NetworkError
  RequestTimeoutError: typeof RequestTimeoutError
  NoRenewalMeansError: typeof NoRenewalMeansError
  ProviderError: typeof ProviderError
  SessionClosedError: typeof SessionClosedError
}

// --- The retention service ------------------------------------------------------------------

export type {
  AuthTokenInfo,
  AuthTokenMeta,
  CreatedUser,
  CreateUserOptions,
  DeletePushOptions,
  IssuedToken,
  ListAuthTokensOptions,
  PushList,
  PushTokensInput,
  RevokeResult,
  RevokeSubjectOptions,
  /** A validated auth token with its user (`ts.authTokens.validate`). */
  Session as ValidatedSession,
  TokenPage,
  User,
} from './native'

/** `new Tokensmith(options)`: the store is required; absent policy knobs take the core's defaults. */
export interface TokensmithOptions extends native.TokensmithOptions {
  /** `sqlite://PATH`, `redis://HOST:PORT/DB` (parameters `timeout_ms`, `archived_ttl_ms`) or `memory://`. */
  store: string
}

/** `ts.users`. */
export interface TokensmithUsers {
  create(options: native.CreateUserOptions): Promise<native.CreatedUser>
  get(uid: string): Promise<native.User>
  /** Deletes the user with its auth tokens and push registrations. */
  delete(uid: string): Promise<void>
}

/** `ts.authTokens`. `tokenOrId` is a raw `tks_…` token or its 24-hex-character id. */
export interface TokensmithAuthTokens {
  /** Mints a token; beyond `retention` active tokens, the oldest is archived. */
  create(uid: string, meta?: native.AuthTokenMeta): Promise<native.IssuedToken>
  /** Newest first, archived ones after the active ones. */
  list(uid: string, options?: native.ListAuthTokensOptions): Promise<native.TokenPage>
  get(uid: string, tokenOrId: string): Promise<native.AuthTokenInfo>
  /** Shallow update of an active token's metadata. */
  update(uid: string, tokenOrId: string, patch: native.AuthTokenMeta): Promise<native.AuthTokenInfo>
  delete(uid: string, tokenOrId: string): Promise<void>
  /** Deletes all of the user's tokens; resolves to how many. */
  flush(uid: string): Promise<number>
  /** The token's session; rejects if malformed, unknown, archived, expired or revoked. */
  validate(token: string): Promise<native.Session>
}

/** `ts.push`: one registration per auth token (session). */
export interface TokensmithPush {
  register(authToken: string, tokens: native.PushTokensInput): Promise<void>
  list(authToken: string): Promise<native.PushList>
  /** Deletes this session's registration (or, with `all`, every one of the user's); resolves to how many. */
  delete(authToken: string, options?: native.DeletePushOptions): Promise<number>
}

/**
 * Users, auth tokens with rolling retention, revocation and the push registry over a store.
 * Every method returns a Promise; failures reject with a TokensmithError subclass (an argument
 * of the wrong JS type with a TypeError). The store is opened on the first call.
 */
export declare class Tokensmith {
  /** Throws InvalidArgumentError for a missing store or a bad number; opens nothing yet. */
  constructor(options: TokensmithOptions)
  readonly users: TokensmithUsers
  readonly authTokens: TokensmithAuthTokens
  readonly push: TokensmithPush
  /** Ends the session: deletes the auth token and its push registration. */
  logout(authToken: string): Promise<void>
  /** Revokes one token of any format (an auth token is deleted). */
  revokeToken(token: string): Promise<void>
  /** Revokes every token of `subject` (uid / Ably client id / Agora chat user id) issued before `issuedBefore`. */
  revokeSubject(subject: string, options?: native.RevokeSubjectOptions): Promise<native.RevokeResult>
  /** `ably.verifyToken`, then revocation. */
  verifyAblyToken(token: string, key: native.AblyKey, options?: native.VerifyTokenOptions): Promise<native.AblyJwtClaims>
  /** `agora.verify`, then revocation. */
  verifyAgoraToken(token: string, appCertificate: string, options?: native.VerifyOptions): Promise<native.AccessToken2>
  /** `ably.verifyTokenRequest` on the system clock, with nonce replay protection in the store. */
  verifyTokenRequest(
    request: native.TokenRequest,
    key: native.AblyKey,
    options?: { windowMs?: number },
  ): Promise<native.TokenParams>
  /** Forgets archived tokens older than `purgeArchivedAfterMs`; resolves to how many. */
  purgeArchived(): Promise<number>
  /** Drops the store; later calls reject with StoreUnavailableError. Idempotent. */
  close(): Promise<void>
}

// --- Client sessions: a token that renews itself ------------------------------------------------

export type {
  AgoraTokenServerInput,
  ApiUser,
  LoginInput,
  SessionToken,
  SessionTokenParams,
} from './native'

/**
 * What an `authCallback` may answer: a token string (an Ably token, a JWT, an Agora token…),
 * TokenDetails (`{ token, expires?, issued?, clientId? }`, times in ms) or a signed TokenRequest
 * (exchanged at `baseUrl`).
 */
export type AuthCallbackAnswer =
  | string
  | { token: string; expires?: number; issued?: number; clientId?: string; [field: string]: unknown }
  | native.TokenRequest

/**
 * Called with the stored TokenParams (Ably's names, absent ones left out) whenever the session
 * needs a token; never twice at once for one session. A throw or rejection becomes a
 * ProviderError whose `cause` is what was thrown; it is retried with backoff unless it carries
 * `status` (or `statusCode`) 403. It must not wait for its own session's token (it would wait
 * for itself). The session holds it until `close()`.
 */
export type AuthCallback = (tokenParams: {
  ttl?: number
  capability?: string
  clientId?: string
}) => AuthCallbackAnswer | Promise<AuthCallbackAnswer>

/** One means of getting tokens (give at most one of `key`, `authUrl`, `authCallback`, `agoraTokenServer`). */
export interface SessionAuthOptions {
  /** An Ably key `keyName:keySecret`: each token is an Ably JWT signed locally. */
  key?: string
  /** Ably's authUrl: answers TokenDetails, a TokenRequest or a token (`text/plain`, `application/jwt`). */
  authUrl?: string
  /** `GET` (default), `POST` (form body) or `POST+JSON`. */
  authMethod?: 'GET' | 'POST' | 'POST+JSON'
  authHeaders?: Record<string, string>
  authParams?: Record<string, string>
  authCallback?: AuthCallback
  /** An Agora token server (`POST /generate-user-token`), renewed before expiry. */
  agoraTokenServer?: native.AgoraTokenServerInput
  /** Alone: a static token (never renewed). With a means: the token to start with. */
  token?: string | native.TokenDetails | { token: string; expires?: number; issued?: number; clientId?: string }
}

/** `new Session(options)`. */
export interface SessionOptions extends SessionAuthOptions {
  /** Ably TokenParams kept for every renewal. */
  tokenParams?: native.SessionTokenParams
  /** The tokensmith service: TokenRequests are exchanged there, `GET /time` read, `login` sent. */
  baseUrl?: string
  /** The `appid` header for `login` and the Agora token server. */
  appId?: string
  /** Read the server's clock before the first fetch (default true when there is a URL). */
  queryTime?: boolean
  /** Per HTTP request (default 10 000). */
  httpTimeoutMs?: number
  /** Renew this long before expiry (default 30 000; at most half the token's remaining life). */
  marginMs?: number
  /** Renew up to this much earlier still, at random (default 10 000). */
  jitterMs?: number
  /** Renew in the background ahead of expiry (default true). */
  background?: boolean
  /** Server time minus local time, when known. */
  serverOffsetMs?: number
  /** Retries of a failing provider: full-jitter backoff. */
  backoff?: { baseMs?: number; capMs?: number; maxAttempts?: number }
}

/** The payload of each session event. Times are ms since the epoch, on the server's clock. */
export interface SessionEvents {
  tokenWillExpire: { generation: number; expires: number }
  renewed: {
    generation: number
    reason: 'initial' | 'scheduled' | 'expired' | 'tokenError' | 'authorize'
    issued: number | null
    expires: number | null
    format: native.SessionToken['format']
    renewAt: number | null
  }
  tokenExpired: { generation: number; expiredAt: number }
  /** `retryIn`: the wait before the next attempt, or null when this renewal gave up. */
  renewFailed: { attempt: number; error: TokensmithError; retryIn: number | null; terminal: boolean }
  loggedOut: { reason: 'requested' | 'tokenNotFound' }
}

/**
 * A client's token that renews itself: fetched on first use, renewed ahead of expiry
 * (`expires − margin − jitter`), one fetch shared by concurrent callers, bounded retries.
 * Listeners get the events in order; those a call causes come before the call resolves.
 * Neither its timers nor its callbacks keep the process alive; `close()` stops it.
 */
export declare class Session {
  /** Throws InvalidArgumentError for bad options; fetches nothing yet. */
  constructor(options?: SessionOptions)
  /** A valid token, fetched if needed. Rejects with ProviderError, NoRenewalMeansError… */
  token(): Promise<native.SessionToken>
  /** The held token, or null; never fetches. */
  current(): native.SessionToken | null
  /** Ably's authorize: a new token now; given params and options become the defaults. */
  authorize(tokenParams?: native.SessionTokenParams | null, authOptions?: SessionAuthOptions | null): Promise<native.SessionToken>
  /**
   * A server refused `token` (`refused`: expired or revoked, Ably 40140–40149; `notFound`: an
   * unknown auth token): the token to retry with, once. The refused one is never handed out
   * again; a session that cannot renew rejects (and on `notFound` logs out).
   */
  recover(token: string, kind?: 'refused' | 'notFound'): Promise<native.SessionToken>
  /** CometChat's login: checks the auth token with the service (`PUT /v3.0/me`); resolves to the user. */
  login(authToken: string, options?: native.LoginInput): Promise<native.ApiUser>
  /** The logged-in user, or null. */
  currentUser(): native.ApiUser | null
  /** Ends the login here (`loggedOut`) and at the service (`DELETE /v3.0/me`). */
  logout(): Promise<void>
  /** Records the server's current time (ms since the epoch). */
  setServerTime(serverNowMs: number): void
  /** Provider fetches so far, retries included. */
  readonly fetches: number
  on<E extends keyof SessionEvents>(event: E, listener: (payload: SessionEvents[E]) => void): this
  off<E extends keyof SessionEvents>(event: E, listener: (payload: SessionEvents[E]) => void): this
  /** Stops renewing and releases the callbacks; later calls reject with SessionClosedError. */
  close(): void
}

// --- The REST client and the in-process service ------------------------------------------------

export type {
  Ack,
  ApiAuthToken,
  ApiAuthTokenPage,
  ApiCreatedUser,
  ApiPagination,
  BatchResult,
  ClientOptions,
  CreateAuthTokenOptions,
  CreateUserInput,
  Me,
  RevocationResult,
  ServedApp,
  ServeOptions,
} from './native'

/**
 * The REST client of the tokensmith service; `baseUrl` may also be CometChat's hosted API
 * (`https://{appId}.api-{region}.cometchat.io/v3`). 429 is retried (and 503 / timeouts for
 * idempotent calls) with backoff honouring `Retry-After`. Failures reject with the
 * TokensmithError subclass of the server's code; `status`, `serverCode` and `retryAfterMs`
 * keep what the server said.
 */
export declare class Client {
  /** Throws InvalidArgumentError for a bad URL, Ably key or number. */
  constructor(options: native.ClientOptions)
  /** The same client acting for the user of `authToken` (shares connections and settings). */
  withAuthToken(authToken: string): Client
  healthz(): Promise<void>
  readyz(): Promise<void>
  createUser(user: native.CreateUserInput): Promise<native.ApiCreatedUser>
  getUser(uid: string): Promise<native.ApiUser>
  /** Deletes the user, its tokens and push registrations. */
  deleteUser(uid: string): Promise<native.Ack>
  createAuthToken(
    uid: string,
    meta?: native.AuthTokenMeta | null,
    options?: native.CreateAuthTokenOptions | null,
  ): Promise<native.ApiAuthToken>
  /** `page` counts from 1 (default 1); `perPage` default 100. */
  listAuthTokens(uid: string, options?: { page?: number; perPage?: number }): Promise<native.ApiAuthTokenPage>
  /** Every page, until the last. */
  listAllAuthTokens(uid: string): Promise<native.ApiAuthToken[]>
  getAuthToken(uid: string, tokenOrId: string): Promise<native.ApiAuthToken>
  updateAuthToken(uid: string, tokenOrId: string, meta: native.AuthTokenMeta): Promise<native.ApiAuthToken>
  deleteAuthToken(uid: string, tokenOrId: string): Promise<native.Ack>
  flushAuthTokens(uid: string): Promise<native.Ack>
  /** `PUT /v3.0/me`: binds platform, device id and app info to the session's token. */
  login(meta?: native.AuthTokenMeta | null): Promise<native.Me>
  me(): Promise<native.Me>
  /** Ends the session: its token and push registration go. */
  logout(): Promise<native.Ack>
  registerPush(tokens: native.PushTokensInput): Promise<native.Ack>
  listPush(): Promise<native.PushList>
  deletePush(options?: native.DeletePushOptions | null): Promise<native.Ack>
  /** A signed TokenRequest (no credentials) or TokenParams (with the client's Ably key) → TokenDetails. */
  requestToken(request?: native.TokenRequest | native.TokenParamsInput): Promise<native.TokenDetails>
  /** Targets `clientId:…`, `revocationKey:…` or `channel:…`, with the client's Ably key. */
  revokeTokens(targets: string[], options?: native.RevokeSubjectOptions | null): Promise<native.BatchResult>
  /** The server's clock, Unix ms. */
  time(): Promise<number>
  /** What an Ably client's `authUrl` gets for the user of the client's auth token. */
  authAbly(params?: native.TokenParamsInput): Promise<native.TokenRequest | native.TokenDetails | string>
  generateUserToken(userUuid: string, expire: number): Promise<string>
  generateAppToken(expire: number): Promise<string>
  tokenGenerate(userId: string, expireSeconds: number, tokenType?: 'user' | 'app'): Promise<string>
}

/**
 * The service running in this process. It never keeps the process alive: a test suite that
 * forgets `close()` still exits (the server goes with the process).
 */
export declare class Server {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string
  /** The first app's credentials (the generated app's when `apps` were not given). */
  readonly app: native.ServedApp | null
  /** Stops accepting, lets in-flight requests finish, then resolves. Idempotent. */
  close(): Promise<void>
  /** A Client for this server with the first app's id, fullAccess key and Ably key; `options` override. */
  client(options?: Partial<native.ClientOptions>): Client
}

/**
 * Starts the service in this process on `127.0.0.1` and an ephemeral port, over `memory://`
 * unless `store` says otherwise. Without `apps`, one app with fresh credentials is created
 * (`server.app`).
 */
export declare const serve: (options?: native.ServeOptions) => Promise<Server>
