#!/usr/bin/env bash
# Contract test of the merchant API: Schemathesis (installed by
# .ci/install-tools into end2end/.venv) generates requests from the OpenAPI
# document the server serves, with a test key, and runs all its checks
# (no 5xx, every status and body as documented, auth enforced, bad input
# refused). A fresh release server on its own SQLite file.
#   MAX_EXAMPLES  examples per operation and phase (default 100: about 2,100
#                 requests, 26 s on the 2-core machine); SEED to vary them
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
bin=$root/target/release/escrowmart
port=${CONTRACT_PORT:-3213}
tmp=$(mktemp -d)
export DATABASE_URL="sqlite://$tmp/contract.db"
export ESCROWMART_MEDIA_DIR=$tmp/media RUST_LOG=error
export ESCROWMART_MERCHANT_PASSWORD='the contract shop password'

"$bin" merchant setup --email contract@shop.example --name 'Contract Shop' --test >"$tmp/env"
set -a; . "$tmp/env"; set +a

ESCROWMART_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=$root/target/site ESCROWMART_API_CALLS_PER_MINUTE=1000000 \
  "$bin" serve &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done

"$root/end2end/.venv/bin/schemathesis" --config-file "$root/end2end/contract/schemathesis.toml" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --url "http://127.0.0.1:$port/api/v1" \
  --header "Authorization: Bearer $ESCROWMART_API_KEY" \
  --checks all \
  --max-examples "${MAX_EXAMPLES:-100}" \
  --seed "${SEED:-20261127}" \
  --request-timeout 10 \
  --no-color
