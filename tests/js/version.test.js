// Pipeline smoke test: `npm ci` linked the workspace package and built the debug addon,
// and the package resolves by name exactly as a user's `require('tokensmith')` would.
const tokensmith = require('tokensmith')
const pkg = require('tokensmith/package.json')
const path = require('node:path')
// fromNative is internal (not exported by the package); load the module file directly.
const internalErrors = require(path.join(path.dirname(require.resolve('tokensmith')), 'errors.js'))

test('the native addon loads and reports the package version', () => {
  expect(tokensmith.version).toBe(pkg.version)
})

test('fromNative maps a `[CODE] ` message to its TokensmithError subclass', () => {
  const { fromNative, MalformedTokenError, TokensmithError } = internalErrors
  const native = new Error('[MALFORMED_TOKEN] x')
  native.cause = new Error(JSON.stringify({ code: 'MALFORMED_TOKEN', vendorCode: 40142, field: 'token' }))

  const err = fromNative(native)
  expect(err).toBeInstanceOf(MalformedTokenError)
  expect(err).toBeInstanceOf(TokensmithError)
  expect(err).toMatchObject({ name: 'MalformedTokenError', code: 'MALFORMED_TOKEN', message: 'x' })
  expect(err).toMatchObject({ vendorCode: 40142, field: 'token' })
})

test('fromNative leaves errors without a known code untouched', () => {
  const { fromNative } = internalErrors
  const plain = new Error('[NOT_A_CODE] y')
  expect(fromNative(plain)).toBe(plain)
  expect(fromNative('not an error')).toBe('not an error')
})
