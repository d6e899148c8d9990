// The typings seen from an ES module (`import` condition of the package's exports):
// the default export is the CommonJS module object, the named exports are its members.
import tokensmith, { agora, ably, TokensmithError, type ErrorCode, type TokenRequest } from 'tokensmith'

const token: string = tokensmith.agora.buildChatAppToken({
  appId: '970CA35de60c44645bbae8a215061b33',
  appCertificate: '5CFd2fd1755d40ecb72977518be15d3b',
  expire: 600,
})
const sameFunction: typeof agora.parse = tokensmith.agora.parse
const request: TokenRequest = ably.createTokenRequest({ keyName: 'a.b', keySecret: 's' })

export function codeOf(e: unknown): ErrorCode | null {
  return e instanceof tokensmith.TokensmithError || e instanceof TokensmithError ? e.code : null
}

// @ts-expect-error not an export of the package
import { nothingHere } from 'tokensmith'

export { token, sameFunction, request, nothingHere }
