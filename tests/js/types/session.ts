// The `Session` API with its published types. Only type-checked (tsc --noEmit, see
// types.test.js), never run. Each `@ts-expect-error` line is wrong usage the typings must refuse.
import {
  Session,
  ProviderError,
  TokensmithError,
  type ApiUser,
  type AuthCallback,
  type SessionEvents,
  type SessionOptions,
  type SessionToken,
} from 'tokensmith'

export async function sessions(): Promise<void> {
  const callback: AuthCallback = async (params) => ({ token: `t-${params.clientId ?? ''}`, expires: Date.now() + 60_000 })
  const options: SessionOptions = {
    authCallback: callback,
    tokenParams: { clientId: 'alice', ttl: 60_000, capability: { 'chat:*': ['subscribe'] } },
    baseUrl: 'http://127.0.0.1:8080',
    marginMs: 5_000,
    backoff: { baseMs: 100, capMs: 1_000, maxAttempts: 3 },
  }
  const s = new Session(options)
  const t: SessionToken = await s.token()
  const expires: number | undefined = t.expires
  const held: SessionToken | null = s.current()
  s.on('renewed', (e) => {
    const reason: SessionEvents['renewed']['reason'] = e.reason
    const next: number | null = e.renewAt
  })
  s.on('renewFailed', (e) => {
    const err: TokensmithError = e.error
    const again: number | null = e.retryIn
  })
  s.on('loggedOut', (e) => {
    const why: 'requested' | 'tokenNotFound' = e.reason
  })
  // @ts-expect-error not a session event
  s.on('connected', () => {})
  await s.authorize({ ttl: 120_000 }, { key: 'app.key:secret' })
  await s.authorize(undefined, { authUrl: 'http://127.0.0.1:8080/auth/ably', authMethod: 'POST', authHeaders: { authtoken: 'x' } })
  // @ts-expect-error authMethod is GET, POST or POST+JSON
  await s.authorize(undefined, { authUrl: 'http://x', authMethod: 'PUT' })
  const user: ApiUser = await s.login('tks_x', { platform: 'web', deviceId: 'd1' })
  const me: ApiUser | null = s.currentUser()
  const retry: SessionToken = await s.recover(t.token, 'notFound')
  // @ts-expect-error kind is refused or notFound
  await s.recover(t.token, 'expired')
  await s.logout()
  const fetches: number = s.fetches
  s.close()
  try {
    await new Session({ token: 'static', agoraTokenServer: { baseUrl: 'http://x', userUuid: 'u', apiKey: 'k' } }).token()
  } catch (e) {
    if (e instanceof ProviderError) void [e.cause, e.code]
  }
  void [expires, held, user, me, fetches, retry]
}
