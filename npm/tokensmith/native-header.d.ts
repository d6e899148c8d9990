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
