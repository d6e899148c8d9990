#!/usr/bin/env bash
# The one benchmark command: installs the benchmark-only peers, builds tokensmith in release for
# Node and Python, runs the Node, Python and Rust benches in sequence on one pinned core, and
# writes the tables and the machine into docs/benchmarks.md (between the bench:begin/end
# markers; the text around them is kept).
#
#   bench/run.sh                # everything; fails if the Node addon or Python package won't build
#   bench/run.sh --peers-only   # skip the bindings: Rust numbers, peers' numbers, tokensmith "pending"
#   bench/run.sh --no-write     # print the tables, leave docs/benchmarks.md alone
#   bench/run.sh --http-only    # only the HTTP service under wrk (bench/http.sh, its --help)
#   bench/run.sh --store-only   # only the retention stores: memory, SQLite, Redis (bench/store.sh)
#
# BENCH_RUNS (rounds, default 11 Rust / 9 Node and Python) and BENCH_MS (ms per run, default
# 100 Rust / 200 Node and Python) are passed through. Speed goals live here, never in tests:
# a MISS is reported, not an error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PEERS_ONLY=0
WRITE=1
HTTP_ONLY=0
STORE_ONLY=0
for arg in "$@"; do
  case "$arg" in
    --peers-only) PEERS_ONLY=1 ;;
    --http-only) HTTP_ONLY=1 ;;
    --store-only) STORE_ONLY=1 ;;
    --no-write) WRITE=0 ;;
    -h | --help)
      sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *)
      echo "bench/run.sh: unknown argument $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

say() { printf '\n==> %s\n' "$*" >&2; }

# The HTTP service under wrk has its own script, table and markers; it also runs last below.
if [ "$HTTP_ONLY" = 1 ]; then
  if [ "$WRITE" = 0 ]; then exec bench/http.sh --no-write; else exec bench/http.sh; fi
fi
# So do the retention stores (memory, SQLite, Redis against redis-benchmark).
if [ "$STORE_ONLY" = 1 ]; then
  if [ "$WRITE" = 0 ]; then exec bench/store.sh --no-write; else exec bench/store.sh; fi
fi

# Single thread, on one core when the machine lets us pin.
PIN=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  PIN=(taskset -c 0)
fi

PYTHON="${PYTHON:-python3}"
VENV="$ROOT/bench/.venv"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

say "Benchmark-only peers (bench/node_modules, bench/.venv)"
# npm ci, unless the registry lacks the other platforms' @node-rs/jsonwebtoken 0.5.11 binaries
# (a mirror with only linux-x64 ones makes a lockfile that cannot list the rest, which `npm ci`
# refuses); then install from the same lockfile without rewriting it.
if ! (cd bench && npm ci --no-audit --no-fund --loglevel=error) >&2 2>"$OUT/npm-ci.log"; then
  echo "bench/run.sh: npm ci refused bench/package-lock.json ($(grep -m1 -o 'Missing: [^ ]*' "$OUT/npm-ci.log" || echo 'see npm log')); using npm install --no-save" >&2
  (cd bench && npm install --no-save --no-audit --no-fund --loglevel=error) >&2
fi
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt >&2

PEER_FLAG=()
if [ "$PEERS_ONLY" = 1 ]; then
  PEER_FLAG=(--peers-only)
  say "--peers-only: not building the bindings; tokensmith's Node and Python columns read pending"
elif [ ! -d node_modules ]; then
  npm ci --no-audit --no-fund --loglevel=error >&2
fi

# Is anything else using the CPU? (1 s sample of /proc/stat; load averages still carry our builds.)
cpu_busy() {
  local a b
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 1
  read -r -a b < <(grep '^cpu ' /proc/stat)
  local total=0 idle i
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $(((100 * (total - idle)) / (total > 0 ? total : 1)))
}
BUSY="$(cpu_busy 2>/dev/null || echo '?')"
if [ "$BUSY" != '?' ] && [ "$BUSY" -gt 10 ]; then
  echo "bench/run.sh: warning: the CPU is ${BUSY}% busy with other work; the numbers will be skewed" >&2
fi
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

# Each binding is built right before its bench: npm/tokensmith also receives the test suite's
# debug builds, and bench/node.js refuses a debug addon.
if [ "$PEERS_ONLY" = 0 ]; then
  say "tokensmith for Node, release (npm run build --workspace tokensmith)"
  npm run build --workspace tokensmith >&2
fi
say "Node (bench/node.js)"
"${PIN[@]}" node bench/node.js "${PEER_FLAG[@]}" | tee "$OUT/node.md"

if [ "$PEERS_ONLY" = 0 ]; then
  say "tokensmith for Python, release (pip install ./python: maturin release build)"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --force-reinstall ./python >&2
fi
say "Python (bench/python.py)"
"${PIN[@]}" "$VENV/bin/python" bench/python.py "${PEER_FLAG[@]}" | tee "$OUT/python.md"

say "Rust core (cargo bench -p tokensmith --bench core)"
cargo bench -p tokensmith --bench core --no-run >&2
"${PIN[@]}" cargo bench -p tokensmith --bench core | tee "$OUT/rust.md"
say "Rust core: where the time goes (cargo bench -p tokensmith --bench core -- breakdown)"
"${PIN[@]}" cargo bench -p tokensmith --bench core -- breakdown | tee "$OUT/breakdown.md"

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

# The machine, as the tables were measured on it.
{
  cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain 2>/dev/null | head -1)" ]; then rev="$rev (with uncommitted changes)"; fi
  echo "| | |"
  echo "|---|---|"
  echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M') |"
  echo "| commit | $rev |"
  echo "| CPU | ${cpu:-unknown} |"
  echo "| cores (nproc) | $(nproc) |"
  echo "| memory | $(free -h 2>/dev/null | awk '/^Mem:/ { print $2 }') |"
  echo "| kernel | $(uname -sr) |"
  echo "| pinned | ${PIN[*]:-no (taskset unavailable)} |"
  echo "| other CPU use at start (1 s sample) | ${BUSY}% |"
  echo "| load average before / after | $LOAD_BEFORE / $LOAD_AFTER |"
  echo "| rustc | $(rustc --version) |"
  echo "| node | $(node --version) |"
  echo "| python | $("$VENV/bin/python" -c 'import platform; print(platform.python_implementation(), platform.python_version())') |"
  if [ "$PEERS_ONLY" = 1 ]; then
    echo "| mode | --peers-only: Node and Python tokensmith numbers pending (bindings not built) |"
  fi
} >"$OUT/machine.md"

if [ "$WRITE" = 0 ]; then
  say "--no-write: docs/benchmarks.md left as it is"
  bench/http.sh --no-write
  bench/store.sh --no-write
  exit 0
fi

say "Writing docs/benchmarks.md"
"$PYTHON" - "$OUT" "$ROOT/docs/benchmarks.md" <<'EOF'
import pathlib, sys

out, doc = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
BEGIN, END = "<!-- bench:begin (generated by bench/run.sh; edits inside are overwritten) -->", "<!-- bench:end -->"
part = lambda name: (out / name).read_text().strip()
block = "\n\n".join([
    BEGIN,
    "### Machine\n\n" + part("machine.md"),
    "### Rust core (`cargo bench -p tokensmith --bench core`)\n\n" + part("rust.md"),
    "### Node (`bench/node.js`)\n\n" + part("node.md"),
    "### Python (`bench/python.py`)\n\n" + part("python.md"),
    "### Rust: where the time goes (`cargo bench -p tokensmith --bench core -- breakdown`)\n\n" + part("breakdown.md"),
    END,
])
text = doc.read_text() if doc.exists() else "# Benchmarks\n\nRun `bench/run.sh`.\n\n"
if BEGIN.split(" (")[0] in text and END in text:
    head = text[: text.index(BEGIN.split(" (")[0])]
    tail = text[text.index(END) + len(END):]
    text = head + block + tail
else:
    text = text.rstrip("\n") + "\n\n## Results\n\n" + block + "\n"
doc.write_text(text)
print(f"wrote {doc}", file=sys.stderr)
EOF

say "HTTP service (bench/http.sh)"
bench/http.sh

say "Retention stores (bench/store.sh)"
bench/store.sh
