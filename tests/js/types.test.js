// The hand-written typings (index.d.ts, native-header.d.ts → native.d.ts): they type-check a
// program using the whole API under --strict, and they declare what the package exports.
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const tokensmith = require('tokensmith')
const { REPO_ROOT } = require('./helpers')

const PKG_DIR = path.dirname(require.resolve('tokensmith/package.json'))
const readTypings = (name) => fs.readFileSync(path.join(PKG_DIR, name), 'utf8')

describe('tsc --strict on tests/js/types', () => {
  let run
  beforeAll(() => {
    // The local TypeScript (a root devDependency), as `npx tsc` would run it, without npx's
    // fallback to downloading some other package called `tsc`.
    const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
    run = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '-p', 'tests/js/types', '--listFiles'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 120000,
    })
    if (run.error) throw run.error
  })

  test('reports no error', () => {
    const errors = run.stdout.split('\n').filter((l) => l.includes('error TS'))
    expect(errors).toEqual([])
    expect(run.status).toBe(0)
  })

  test("checked the package's own typings, resolved by name, and both usage files", () => {
    const files = run.stdout.split('\n').map((f) => path.resolve(REPO_ROOT, f.trim()))
    for (const f of ['index.d.ts', 'native.d.ts']) expect(files).toContain(fs.realpathSync(path.join(PKG_DIR, f)))
    for (const f of ['usage.ts', 'esm.mts']) expect(files).toContain(path.join(__dirname, 'types', f))
  })
})

describe('the typings declare what the package exports', () => {
  test('index.d.ts declares every runtime export, and nothing else', () => {
    const declared = [...readTypings('index.d.ts').matchAll(/^export declare (?:const|class) (\w+)/gm)].map((m) => m[1])
    expect(declared.sort()).toEqual(Object.keys(tokensmith).sort())
  })

  test.each(['agora', 'ably', 'authToken'])('native.d.ts declares every member of %s', (ns) => {
    const block = readTypings('native.d.ts').match(new RegExp(`^export declare namespace ${ns} \\{\\n([\\s\\S]*?)^\\}`, 'm'))
    expect(block).not.toBeNull()
    const members = [...block[1].matchAll(/^ {2}export (?:function|class) (\w+)/gm)].map((m) => m[1])
    expect(members.sort()).toEqual(Object.keys(tokensmith[ns]).sort())
  })

  test('the ErrorCode union is exactly errorCodes', () => {
    const union = readTypings('index.d.ts').match(/export type ErrorCode =([^]*?)\n\n/)
    expect(union).not.toBeNull()
    const codes = [...union[1].matchAll(/'([A-Z_]+)'/g)].map((m) => m[1])
    expect(codes.sort()).toEqual([...tokensmith.errorCodes].sort())
  })
})
