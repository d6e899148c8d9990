#!/usr/bin/env bash
# The main job, until the HTTP service lands: build the `tokensmith` CLI, issue one token of
# each format and verify it with its secret. Pass your own credentials through the environment
# (TOKENSMITH_AGORA_APP_ID, TOKENSMITH_AGORA_APP_CERTIFICATE, TOKENSMITH_ABLY_KEY); the
# defaults are Agora's published sample app and a demo Ably key.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p tokensmith-cli
ts=./target/debug/tokensmith

export TOKENSMITH_AGORA_APP_CERTIFICATE=${TOKENSMITH_AGORA_APP_CERTIFICATE:-5CFd2fd1755d40ecb72977518be15d3b}
export TOKENSMITH_ABLY_KEY=${TOKENSMITH_ABLY_KEY:-demoApp.demoKey:demo-secret-not-for-production}
app_id=${TOKENSMITH_AGORA_APP_ID:-970CA35de60c44645bbae8a215061b33}

echo "== Agora chat user token for alice, valid 1 h"
agora=$("$ts" issue agora-user --app-id "$app_id" --user-id alice --expire 3600)
echo "$agora"
TOKENSMITH_SECRET=$TOKENSMITH_AGORA_APP_CERTIFICATE "$ts" verify - <<<"$agora"

echo
echo "== Ably TokenRequest for client alice (what an authUrl returns)"
"$ts" issue ably-request --client-id alice --ttl 600000 --capability '{"chat:*":["publish","subscribe"]}' --pretty

echo
echo "== Ably token (JWT) for client alice"
jwt=$("$ts" issue ably-token --client-id alice --ttl 600000 | sed -E 's/.*"token":"([^"]+)".*/\1/')
TOKENSMITH_SECRET=${TOKENSMITH_ABLY_KEY#*:} "$ts" verify - <<<"$jwt"

echo
echo "== Opaque per-user auth token"
auth=$("$ts" issue auth-token)
"$ts" inspect - <<<"$auth"
