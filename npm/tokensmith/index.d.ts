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
