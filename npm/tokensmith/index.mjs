// ESM entry: the same objects as require('tokensmith').
import { createRequire } from 'node:module'

const cjs = createRequire(import.meta.url)('./index.js')

export const {
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
  UserNotFoundError,
  AuthTokenNotFoundError,
  StoreUnavailableError,
  UnauthorizedError,
  RateLimitedError,
  HttpError,
  NetworkError,
  RequestTimeoutError,
  NoRenewalMeansError,
  ProviderError,
  SessionClosedError,
  Tokensmith,
  Session,
} = cjs
export default cjs
