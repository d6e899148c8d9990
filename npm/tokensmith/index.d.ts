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
 * `status` (or `statusCode`) 403.
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
