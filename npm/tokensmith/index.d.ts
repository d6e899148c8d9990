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
}
export interface TokensmithErrorOptions {
  cause?: unknown
  vendorCode?: number | null
  field?: string | null
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
  Session,
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
