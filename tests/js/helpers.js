// Shared helpers of the jest suite: the vector files and a strict "this must throw" / "reject".
const fs = require('node:fs')
const path = require('node:path')

const VECTORS = path.join(__dirname, '..', 'vectors')
const REPO_ROOT = path.join(__dirname, '..', '..')

/** Parses tests/vectors/<name> (shared with the Rust and Python suites). */
function loadVectors(name) {
  return JSON.parse(fs.readFileSync(path.join(VECTORS, name), 'utf8'))
}

/** Runs fn and returns what it threw; fails the test if it returned instead. */
function thrown(fn) {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected the call to throw, but it returned')
}

/** Awaits the promise and returns what it rejected with; fails the test if it fulfilled. */
async function rejected(promise) {
  try {
    await promise
  } catch (e) {
    return e
  }
  throw new Error('expected the promise to reject, but it fulfilled')
}

/** The error class name for each stable code: the contract the package must implement. */
const CLASS_BY_CODE = loadVectors('errors.json').codes

module.exports = { loadVectors, thrown, rejected, CLASS_BY_CODE, REPO_ROOT }
