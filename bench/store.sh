#!/usr/bin/env bash
# The retention-store benchmark (issue #3): create-with-retention and validate on the memory,
# SQLite and Redis stores, heap per retained token, SQLite create latency at 100k users × 100
# tokens, and Redis against redis-benchmark replaying the same scripts on the same private
# server. Builds the bench in release (cargo bench), prints one Markdown table and writes it,
# with the machine and every round's numbers, into docs/benchmarks.md between the store-bench
# markers (the text around them is kept). Also run by `bench/run.sh` and `bench/run.sh --store-only`.
#
#   bench/store.sh              # every row (the SQLite scale row fills 10M tokens: minutes)
#   bench/store.sh --no-write   # print the table only
#   bench/store.sh --quick      # 2k users for the scale row, 1 round: a fast, noisy check
#   bench/store.sh --only sqlite[,scale,memory,redis]   # just those groups (unpinned); prints only
#
# STORE_BENCH_SCALE_USERS, STORE_BENCH_ROUNDS (default 3), STORE_BENCH_REDIS_TASKS (default 64)
# and STORE_BENCH_DIR (where the SQLite files go) are passed through. The memory rows run pinned
# to core 0 when taskset allows; SQLite and Redis use every core (a writer thread, the runtime's
# workers, redis-server). Targets are reported as PASS / MISS, never an error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

WRITE=1
ONLY=""
expect_only=0
for arg in "$@"; do
  if [ "$expect_only" = 1 ]; then
    ONLY="$arg"
    expect_only=0
    continue
  fi
  case "$arg" in
    --no-write) WRITE=0 ;;
    --only) expect_only=1 ;;
    --only=*) ONLY="${arg#--only=}" ;;
    --quick)
      export STORE_BENCH_SCALE_USERS="${STORE_BENCH_SCALE_USERS:-2000}"
      export STORE_BENCH_ROUNDS="${STORE_BENCH_ROUNDS:-1}"
      ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/store.sh: unknown argument $arg (try --help)" >&2; exit 2 ;;
  esac
done
if [ "$expect_only" = 1 ]; then
  echo "bench/store.sh: --only needs groups, e.g. --only sqlite" >&2
  exit 2
fi

say() { printf '\n==> %s\n' "$*" >&2; }

# --only: some groups, printed and not written (a partial table would replace the full one).
if [ -n "$ONLY" ]; then
  read -r -a groups <<<"${ONLY//,/ }"
  for g in "${groups[@]}"; do
    case "$g" in
      memory | sqlite | scale | redis) ;;
      *) echo "bench/store.sh: unknown group $g (groups: memory, sqlite, scale, redis)" >&2; exit 2 ;;
    esac
  done
  say "Building the store bench in release (cargo bench -p tokensmith --bench store --no-run)"
  cargo bench -p tokensmith --bench store --no-run >&2
  say "Groups ${groups[*]} (cargo bench -p tokensmith --bench store -- ${groups[*]}); not written to docs/benchmarks.md"
  exec cargo bench -p tokensmith --bench store -- "${groups[@]}"
fi
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
PYTHON="${PYTHON:-python3}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# The Redis rows start their own redis-server and run redis-benchmark (Debian: redis-server,
# which pulls in redis-tools), as scripts/test.sh installs them.
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1; then
  say "Installing redis-server and redis-tools (apt-get)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server redis-tools >&2
fi

PIN=()
if command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  PIN=(taskset -c 0)
fi

say "Building the store bench in release (cargo bench -p tokensmith --bench store --no-run)"
cargo bench -p tokensmith --bench store --no-run >&2

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"
START="$(date -u '+%Y-%m-%d %H:%M')"
# Each run prints its table on stdout and every round's number on stderr (kept for the doc).
say "Memory store, one core (cargo bench -p tokensmith --bench store -- memory)"
"${PIN[@]}" cargo bench -p tokensmith --bench store -- memory 2>&1 >"$OUT/memory.md" | tee "$OUT/memory.log" >&2
say "SQLite and Redis stores (cargo bench -p tokensmith --bench store -- sqlite scale redis)"
cargo bench -p tokensmith --bench store -- sqlite scale redis 2>&1 >"$OUT/rest.md" | tee "$OUT/rest.log" >&2
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

{
  cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain 2>/dev/null | head -1)" ]; then rev="$rev (with uncommitted changes)"; fi
  disk="$(df -h "${STORE_BENCH_DIR:-${TMPDIR:-/tmp}}" 2>/dev/null | awk 'NR == 2 { print $1 }')"
  echo "| | |"
  echo "|---|---|"
  echo "| date (UTC) | $START |"
  echo "| commit | $rev |"
  echo "| CPU | ${cpu:-unknown} |"
  echo "| cores (nproc) | $(nproc) |"
  echo "| memory | $(free -h 2>/dev/null | awk '/^Mem:/ { print $2 }') |"
  echo "| SQLite files on | ${disk:-unknown} (${STORE_BENCH_DIR:-${TMPDIR:-/tmp}}) |"
  echo "| kernel | $(uname -sr) |"
  echo "| memory rows pinned | ${PIN[*]:-no (taskset unavailable)} |"
  echo "| load average before / after | $LOAD_BEFORE / $LOAD_AFTER |"
  echo "| rustc | $(rustc --version) |"
  echo "| redis | $(redis-server --version | grep -o 'v=[^ ]*' | cut -c3-) |"
} >"$OUT/machine.md"

# One table: the memory run's header and rows, then the other run's rows.
{
  cat "$OUT/memory.md"
  tail -n +3 "$OUT/rest.md"
} >"$OUT/store.md"
grep -hE '^[a-z-]+ [^|]*: [0-9. ]+$' "$OUT/memory.log" "$OUT/rest.log" >"$OUT/rounds.txt" || true
cat "$OUT/store.md"

if [ "$WRITE" = 0 ]; then
  say "--no-write: docs/benchmarks.md left as it is"
  exit 0
fi

say "Writing docs/benchmarks.md (store-bench section)"
"$PYTHON" - "$OUT" "$ROOT/docs/benchmarks.md" <<'EOF'
import pathlib, sys

out, doc = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
BEGIN = "<!-- store-bench:begin (generated by bench/store.sh; edits inside are overwritten) -->"
END = "<!-- store-bench:end -->"
part = lambda name: (out / name).read_text().strip()
block = "\n\n".join([
    BEGIN,
    "#### Machine\n\n" + part("machine.md"),
    "#### Stores (`cargo bench -p tokensmith --bench store`)\n\n" + part("store.md"),
    "#### Every round (the table shows the median)\n\n```text\n" + part("rounds.txt") + "\n```",
    END,
])
text = doc.read_text() if doc.exists() else "# Benchmarks\n\n"
marker = BEGIN.split(" (")[0]
if marker in text and END in text:
    text = text[: text.index(marker)] + block + text[text.index(END) + len(END):]
else:
    text = text.rstrip("\n") + "\n\n## Retention stores: results\n\n" + block + "\n"
doc.write_text(text)
print(f"wrote {doc}", file=sys.stderr)
EOF
