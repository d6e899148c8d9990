#!/usr/bin/env bash
# The HTTP benchmark (issue #4): the tokensmith service (`tokensmith serve`, release) under wrk on
# loopback, in one run, against the token server a user writes from Agora's guide (Express 5 +
# agora-token, bench/http/express.js) and a hello-world axum server (the HTTP floor: the `hello`
# example of tokensmith-server). tokensmith rows: POST /generate-user-token and
# POST /v3/users/{uid}/auth_tokens on the memory and SQLite stores. Prints one Markdown table and
# writes it, with the method and the machine, into docs/benchmarks.md between the http-bench
# markers (the text around them is kept). Also run by `bench/run.sh` and `bench/run.sh --http-only`.
#
#   bench/http.sh                     # warm-up, then 3 interleaved rounds of 10 s per row; writes the doc
#   bench/http.sh --no-write          # print the table only
#   bench/http.sh --duration 2s --warmup 1s --rounds 1 --no-write   # a quick, noisy check
#   bench/http.sh --threads 2 --connections 64 --users 64 --no-pin
#
# The same settings come from HTTP_BENCH_DURATION, _WARMUP, _ROUNDS, _THREADS, _CONNECTIONS,
# _USERS and HTTP_BENCH_PIN=0. Targets (every tokensmith row >= 5x Express's req/s and >= 60% of
# hello-world's) are reported as PASS / MISS, never an error. A server that answers wrongly, or
# any non-2xx response or socket error during a run, fails the script (exit 1), doc untouched.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION="${HTTP_BENCH_DURATION:-10s}"
WARMUP="${HTTP_BENCH_WARMUP:-3s}"
ROUNDS="${HTTP_BENCH_ROUNDS:-3}"
THREADS="${HTTP_BENCH_THREADS:-2}"
CONNECTIONS="${HTTP_BENCH_CONNECTIONS:-64}"
USERS="${HTTP_BENCH_USERS:-64}"
PIN="${HTTP_BENCH_PIN:-1}"
WRITE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration | --warmup | --rounds | --threads | --connections | --users)
      [ $# -ge 2 ] || { echo "bench/http.sh: $1 needs a value" >&2; exit 2; }
      case "$1" in
        --duration) DURATION="$2" ;;
        --warmup) WARMUP="$2" ;;
        --rounds) ROUNDS="$2" ;;
        --threads) THREADS="$2" ;;
        --connections) CONNECTIONS="$2" ;;
        --users) USERS="$2" ;;
      esac
      shift 2
      ;;
    --no-pin) PIN=0; shift ;;
    --no-write) WRITE=0; shift ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench/http.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
done
for n in "$ROUNDS" "$THREADS" "$CONNECTIONS" "$USERS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench/http.sh: expected a positive integer, got '$n'" >&2; exit 2; }
done
[ "$CONNECTIONS" -ge "$THREADS" ] || { echo "bench/http.sh: --connections must be >= --threads" >&2; exit 2; }

say() { printf '\n==> %s\n' "$*" >&2; }
die() { echo "bench/http.sh: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
PYTHON="${PYTHON:-python3}"

# Bench-only credentials of the one app the tokensmith servers serve (never used elsewhere).
APP=bench
API_KEY=b3e1c0ffee5eed5a1ad0b3e1c0ffee5eed5a1ad0
AGORA_APP_ID=970CA35de60c44645bbae8a215061b33
AGORA_CERT=5CFd2fd1755d40ecb72977518be15d3b
USER_BODY='{"user_uuid":"user-2882341273","expire":3600}'
AUTH_BODY='{"platform":"web"}'

say "Tools: wrk and curl (Debian packages), Express and agora-token (bench/package.json)"
missing=()
for tool in wrk curl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
fi
# bench/run.sh has usually just run `npm ci` in bench/; install only when a pinned peer is missing.
pinned_peers_present() {
  # shellcheck disable=SC2016 # a JavaScript template literal, not a shell expansion
  (cd bench && node -e '
    const fs = require("fs");
    const want = require("./package.json").devDependencies;
    for (const p of ["express", "agora-token"]) {
      const got = JSON.parse(fs.readFileSync(`node_modules/${p}/package.json`, "utf8")).version;
      if (got !== want[p]) process.exit(1);
    }') 2>/dev/null
}
if ! pinned_peers_present; then
  (cd bench && npm ci --no-audit --no-fund --loglevel=error) >&2 ||
    (cd bench && npm install --no-save --no-audit --no-fund --loglevel=error) >&2
fi

say "tokensmith serve and the hello-world floor, release (cargo build --release)"
# One invocation: built apart, the example's dev-dependency features would make cargo compile the
# core and the server a second time.
cargo build --release -p tokensmith-cli -p tokensmith-server --bin tokensmith --example hello >&2
TOKENSMITH="$ROOT/target/release/tokensmith"
HELLO="$ROOT/target/release/examples/hello"

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# wrk on core 0, every server on the other cores: the client never takes CPU from the server,
# and every server gets the same cores (on 2 cores: one, so tokio runs one worker, like Node).
WRK_PIN=()
SRV_PIN=()
SERVER_CORES=0
CORES="$(nproc)"
if [ "$PIN" = 1 ] && [ "$CORES" -ge 2 ] && command -v taskset >/dev/null 2>&1 && taskset -c 0 true 2>/dev/null; then
  WRK_PIN=(taskset -c 0)
  SRV_PIN=(taskset -c 1)
  if [ "$CORES" -gt 2 ]; then SRV_PIN=(taskset -c "1-$((CORES - 1))"); fi
  SERVER_CORES=$((CORES - 1))
fi

cpu_busy() { # percent of CPU in use over 1 s, from /proc/stat
  local a b total=0 idle i
  read -r -a a < <(grep '^cpu ' /proc/stat)
  sleep 1
  read -r -a b < <(grep '^cpu ' /proc/stat)
  for i in 1 2 3 4 5 6 7 8; do total=$((total + b[i] - a[i])); done
  idle=$((b[4] - a[4] + b[5] - a[5]))
  echo $(((100 * (total - idle)) / (total > 0 ? total : 1)))
}

# start NAME CMD…: runs a server (pinned) in the background and waits for the
# `listening on http://127.0.0.1:PORT` line it prints; sets URL.
start() {
  local name=$1 pid i
  shift
  "${SRV_PIN[@]}" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" &
  pid=$!
  PIDS+=("$pid")
  PID=$pid
  for i in $(seq 1 300); do
    URL="$(grep -o -m1 'http://127\.0\.0\.1:[0-9]*' "$WORK/$name.out" || true)"
    [ -n "$URL" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$WORK/$name.err" >&2
      die "$name exited before listening"
    fi
    sleep 0.1
  done
  die "$name did not start listening within 30 s"
}

# post URL PATH BODY: the benchmark's request, once (same headers as bench/http/post.lua);
# sets STATUS, the body is in $WORK/body.
post() {
  STATUS="$(curl -sS -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    -H 'Accept: application/json' -H "apikey: $API_KEY" -H "appid: $APP" --data-binary "$3" "$1$2")"
}

# field PATH.TO.KEY: a string from the JSON in $WORK/body (empty when absent or not JSON).
field() {
  "$PYTHON" -c '
import json, sys
try:
    v = json.load(open(sys.argv[1]))
    for k in sys.argv[2].split("."):
        v = v[k]
    print(v if isinstance(v, str) else "")
except Exception:
    print("")' "$WORK/body" "$1"
}

# check_agora NAME URL: one user token, 200, that verifies with the app certificate.
check_agora() {
  post "$2" /generate-user-token "$USER_BODY"
  local token
  token="$(field token)"
  [ "$STATUS" = 200 ] && [ "${token:0:3}" = 007 ] || die "$1: /generate-user-token answered $STATUS $(head -c 300 "$WORK/body")"
  TOKENSMITH_SECRET="$AGORA_CERT" "$TOKENSMITH" verify "$token" >/dev/null ||
    die "$1: its Agora token does not verify with the app certificate"
}

# check_auth_token NAME URL: one auth token for bench-user-1, 200/201 with a tks_ token.
check_auth_token() {
  post "$2" /v3/users/bench-user-1/auth_tokens "$AUTH_BODY"
  local token
  token="$(field data.authToken)"
  [[ "$STATUS" =~ ^20[01]$ ]] && [ "${token:0:4}" = tks_ ] && [ "$(field data.uid)" = bench-user-1 ] ||
    die "$1: /v3/users/bench-user-1/auth_tokens answered $STATUS $(head -c 300 "$WORK/body")"
}

# start_tokensmith NAME STORE_URL: `tokensmith serve` with the bench app, rate limit off, logs at
# warn; creates the users bench-user-1…USERS and checks both routes.
start_tokensmith() {
  local name=$1 store=$2 i
  cat >"$WORK/$name.toml" <<EOF
[[apps]]
id = "$APP"
retention = 100
rate_limit_per_minute = 0
api_keys = [{ key = "$API_KEY", scope = "fullAccess" }]
agora = { app_id = "$AGORA_APP_ID", app_certificate = "$AGORA_CERT" }
EOF
  TOKENSMITH_LOG=warn start "$name" "$TOKENSMITH" serve --config "$WORK/$name.toml" --store "$store" \
    --listen 127.0.0.1:0 --data-dir "$WORK/$name-data"
  for i in $(seq 1 "$USERS"); do
    post "$URL" /v3/users "{\"uid\":\"bench-user-$i\",\"name\":\"Bench user $i\"}"
    [[ "$STATUS" =~ ^20[01]$ ]] || die "$name: creating bench-user-$i answered $STATUS $(head -c 300 "$WORK/body")"
  done
  check_agora "$name" "$URL"
  check_auth_token "$name" "$URL"
}

BUSY="$(cpu_busy 2>/dev/null || echo '?')"
if [ "$BUSY" != '?' ] && [ "$BUSY" -gt 10 ]; then
  echo "bench/http.sh: warning: the CPU is ${BUSY}% busy with other work; the numbers will be skewed" >&2
fi
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

say "Servers (pinned: ${SRV_PIN[*]:-no}), each checked before timing"
AGORA_APP_ID="$AGORA_APP_ID" AGORA_APP_CERTIFICATE="$AGORA_CERT" NODE_ENV=production \
  start express node bench/http/express.js 0
EXPRESS_URL=$URL EXPRESS_PID=$PID
check_agora express "$EXPRESS_URL"
start hello "$HELLO" 127.0.0.1:0
HELLO_URL=$URL HELLO_PID=$PID
post "$HELLO_URL" /generate-user-token "$USER_BODY"
[ "$STATUS" = 200 ] && [ "$(cat "$WORK/body")" = 'Hello, World!' ] || die "hello: answered $STATUS $(head -c 300 "$WORK/body")"
start_tokensmith tokensmith-memory memory://
MEMORY_URL=$URL MEMORY_PID=$PID
start_tokensmith tokensmith-sqlite "sqlite://$WORK/bench.db"
SQLITE_URL=$URL SQLITE_PID=$PID

# One row per line: id | server | route | store | server pid | url | path | body | users
AUTH_PATH='/v3/users/{uid}/auth_tokens'
ROWS=(
  "express|Express 5 + agora-token|POST /generate-user-token|—|$EXPRESS_PID|$EXPRESS_URL|/generate-user-token|$USER_BODY|1"
  "hello|hello-world axum|POST /generate-user-token|—|$HELLO_PID|$HELLO_URL|/generate-user-token|$USER_BODY|1"
  "ts-memory-agora|tokensmith|POST /generate-user-token|memory|$MEMORY_PID|$MEMORY_URL|/generate-user-token|$USER_BODY|1"
  "ts-sqlite-agora|tokensmith|POST /generate-user-token|SQLite|$SQLITE_PID|$SQLITE_URL|/generate-user-token|$USER_BODY|1"
  "ts-memory-auth|tokensmith|POST $AUTH_PATH|memory|$MEMORY_PID|$MEMORY_URL|$AUTH_PATH|$AUTH_BODY|$USERS"
  "ts-sqlite-auth|tokensmith|POST $AUTH_PATH|SQLite|$SQLITE_PID|$SQLITE_URL|$AUTH_PATH|$AUTH_BODY|$USERS"
)
: >"$WORK/rows.tsv"
: >"$WORK/results.tsv"
for row in "${ROWS[@]}"; do
  IFS='|' read -r id server route store _ <<<"$row"
  printf '%s\t%s\t%s\t%s\n' "$id" "$server" "$route" "$store" >>"$WORK/rows.tsv"
done

# CPU time (user + system, clock ticks) a process has used so far, all its threads.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run ID ROUND DURATION PID URL PATH BODY USERS: one wrk run; its wrk-result line, plus the CPU
# ticks the server used meanwhile, appended to results.tsv.
run() {
  local id=$1 round=$2 duration=$3 pid=$4 url=$5 path=$6 body=$7 users=$8 result ticks
  ticks="$(cpu_ticks "$pid")"
  if ! "${WRK_PIN[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --timeout 10s \
    -s "$ROOT/bench/http/post.lua" "$url" -- "$path" "$body" "$API_KEY" "$APP" "$users" >"$WORK/wrk.out" 2>&1; then
    cat "$WORK/wrk.out" >&2
    die "wrk failed on $id"
  fi
  result="$(grep -m1 '^wrk-result ' "$WORK/wrk.out")" || {
    cat "$WORK/wrk.out" >&2
    die "wrk printed no result on $id"
  }
  result="${result#wrk-result } server_cpu_ticks=$(($(cpu_ticks "$pid") - ticks))"
  printf '%s\t%s\t%s\n' "$id" "$round" "$result" >>"$WORK/results.tsv"
  echo "  $id round $round: $result" >&2
}

say "wrk -t$THREADS -c$CONNECTIONS (pinned: ${WRK_PIN[*]:-no}): $WARMUP warm-up per row, then $ROUNDS interleaved round(s) of $DURATION"
for round in $(seq 0 "$ROUNDS"); do
  for row in "${ROWS[@]}"; do
    IFS='|' read -r id _ _ _ pid url path body users <<<"$row"
    if [ "$round" = 0 ]; then
      run "$id" 0 "$WARMUP" "$pid" "$url" "$path" "$body" "$users"
    else
      run "$id" "$round" "$DURATION" "$pid" "$url" "$path" "$body" "$users"
    fi
  done
done
for pid in "${PIDS[@]}"; do
  kill -0 "$pid" 2>/dev/null || die "a server (pid $pid) died during the run"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo n/a)"

# The machine, as the table was measured on it.
{
  cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -1)"
  rev="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  if [ -n "$(git status --porcelain 2>/dev/null | head -1)" ]; then rev="$rev (with uncommitted changes)"; fi
  peer() { node -p "require('./bench/node_modules/$1/package.json').version"; }
  echo "| | |"
  echo "|---|---|"
  echo "| date (UTC) | $(date -u '+%Y-%m-%d %H:%M') |"
  echo "| commit | $rev |"
  echo "| CPU | ${cpu:-unknown} |"
  echo "| cores (nproc) | $CORES |"
  echo "| memory | $(free -h 2>/dev/null | awk '/^Mem:/ { print $2 }') |"
  echo "| kernel | $(uname -sr) |"
  if [ ${#WRK_PIN[@]} -gt 0 ]; then
    echo "| pinned | wrk: \`${WRK_PIN[*]}\`; servers: \`${SRV_PIN[*]}\` |"
  else
    echo "| pinned | no (--no-pin, one core, or taskset unavailable) |"
  fi
  echo "| wrk | $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2) \`-t$THREADS -c$CONNECTIONS --timeout 10s\`; $WARMUP warm-up per row, $ROUNDS round(s) of $DURATION |"
  echo "| SQLite file system | $(df -T "$WORK" 2>/dev/null | awk 'NR == 2 { print $2 }') (a temp dir) |"
  echo "| other CPU use at start (1 s sample) | ${BUSY}% |"
  echo "| load average before / after | $LOAD_BEFORE / $LOAD_AFTER |"
  echo "| rustc | $(rustc --version) |"
  echo "| node | $(node --version), express $(peer express), agora-token $(peer agora-token) |"
} >"$WORK/machine.md"

say "Table"
WRITE_ARGS=()
if [ "$WRITE" = 1 ]; then WRITE_ARGS=(--write "$ROOT/docs/benchmarks.md"); fi
"$PYTHON" bench/http/report.py "$WORK" --users "$USERS" --connections "$CONNECTIONS" \
  --clock-ticks "$(getconf CLK_TCK)" --busy "$BUSY" \
  --server-cores "$SERVER_CORES" "${WRITE_ARGS[@]}"
