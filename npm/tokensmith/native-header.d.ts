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
