#!/usr/bin/env bash
# The one test command. On a fresh Debian machine with the Rust toolchain, Node/npm and
# Python 3 it installs what is missing (npm packages, a Python venv, redis-server) and runs
# every suite: cargo (fmt, clippy, tests), jest and pytest. CI (.ci/run) calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

# A test run builds once: incremental caches would double target/'s size for nothing.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

section() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

section "system packages"
if ! command -v redis-server >/dev/null 2>&1; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server
fi
redis-server --version

section "rust: fmt, clippy, tests (debug, one shared target/)"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

section "node: npm ci (builds the debug addon), generated bindings unchanged"
# The generated native.js / native.d.ts are committed; a build must reproduce them exactly.
generated=(npm/tokensmith/native.js npm/tokensmith/native.d.ts)
before=$(cat "${generated[@]}" | sha256sum)
npm ci --no-audit --no-fund
if [ "$(cat "${generated[@]}" | sha256sum)" != "$before" ]; then
  git diff -- "${generated[@]}"
  echo "the generated bindings changed: rebuild (npm run build:debug -w tokensmith) and commit them" >&2
  exit 1
fi

section "node: jest"
npx jest --rootDir tests/js --ci

section "python: venv, editable install (debug build), pytest"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e './python[test]'
.venv/bin/python -m pytest -q
