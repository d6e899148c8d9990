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

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

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

/** Every stable error code, so the JS layer can check it maps each one. */
export declare function errorCodes(): Array<string>

export declare function explain(token: string, secret?: string | undefined | null): Explanation

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

/** The version of the native addon (the same as the npm package's). */
export declare function version(): string

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

export declare namespace authToken {
  /** Throws `MalformedTokenError` for a mistyped or truncated token (no lookup needed). */
  export function check(token: string): void
  export function fingerprint(token: string): string
  export function generate(): string
  export function redact(token: string): string
}
