#!/usr/bin/env bash
# The main job: run the tokensmith HTTP service (`tokensmith serve`).
#
# With no arguments it listens on 127.0.0.1:8080 with SQLite in ./tokensmith-data/, and on its
# first start creates a development app whose credentials it prints once (they stay in
# ./tokensmith-data/dev-app.toml). Arguments go to `tokensmith serve`: --listen ADDR,
# --store URL, --config FILE, --data-dir DIR (or TOKENSMITH_LISTEN, TOKENSMITH_STORE,
# TOKENSMITH_CONFIG, TOKENSMITH_DATA_DIR). Stop it with Ctrl-C or SIGTERM.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run -q -p tokensmith-cli -- serve "$@"
