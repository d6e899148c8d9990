// The ESM entry (index.mjs), in a real Node process: jest's own module system is CommonJS.
const { spawnSync } = require('node:child_process')
const { REPO_ROOT } = require('./helpers')

function runModule(source) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    timeout: 30000,
  })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`node exited with ${r.status}:\n${r.stderr}`)
  return JSON.parse(r.stdout)
}

const SOURCE = `
import ts, { agora, ably, TokensmithError, BadSignatureError, errorCodes } from 'tokensmith'
import * as ns from 'tokensmith'
import { createRequire } from 'node:module'

const cjs = createRequire(process.cwd() + '/')('tokensmith')
const cert = '5CFd2fd1755d40ecb72977518be15d3b'
const token = agora.buildChatUserToken({
  appId: '970CA35de60c44645bbae8a215061b33', appCertificate: cert, userId: 'esm', expire: 600,
})
let err
try { agora.verify(token, '00000000000000000000000000000000') } catch (e) { err = e }

const named = Object.keys(ns).filter((k) => k !== 'default').sort()
console.log(JSON.stringify({
  defaultIsRequire: ts === cjs,
  sameAgora: agora === cjs.agora,
  sameAbly: ably === cjs.ably,
  sameErrorClass: TokensmithError === cjs.TokensmithError,
  sameCodes: errorCodes === cjs.errorCodes,
  namedExports: named,
  cjsExports: Object.keys(cjs).sort(),
  namedMatchCjs: named.every((k) => ns[k] === cjs[k]),
  userId: agora.verify(token, cert).services[0].userId,
  errName: err && err.name,
  errIsClass: err instanceof BadSignatureError && err instanceof TokensmithError,
  requestKeys: Object.keys(ably.createTokenRequest({ keyName: 'a.b', keySecret: 's' })).sort(),
}))
`

describe('import from an ES module', () => {
  let out
  beforeAll(() => {
    out = runModule(SOURCE)
  })

  test('import and require give the same objects', () => {
    expect(out).toMatchObject({
      defaultIsRequire: true,
      sameAgora: true,
      sameAbly: true,
      sameErrorClass: true,
      sameCodes: true,
      namedMatchCjs: true,
    })
  })

  test('every CommonJS export is also a named ESM export', () => {
    expect(out.namedExports).toEqual(out.cjsExports)
    expect(out.namedExports).toEqual(Object.keys(require('tokensmith')).sort())
  })

  test('the API works through the ESM entry, errors included', () => {
    expect(out.userId).toBe('esm')
    expect(out.errName).toBe('BadSignatureError')
    expect(out.errIsClass).toBe(true)
    expect(out.requestKeys).toEqual(['keyName', 'mac', 'nonce', 'timestamp'])
  })
})
