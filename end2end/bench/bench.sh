#!/usr/bin/env bash
# `make bench`: every benchmark against its floor, on SQLite and PostgreSQL,
# and one table at the end. Pages and static files (pages.sh, 100,000
# listings), then escrow payments from 16 and 64 clients (payment.mjs
# --floor), then the browser bundle's size. The floor is
# end2end/bench/floor: the same SQL without the framework, measured in the
# same run, so the ratio does not depend on how busy the machine is.
#
#   bash end2end/bench/bench.sh [listings=100000] [seconds=10] [orders per client=50]
#
# `make test` runs it short (make test-bench): a small shop, one second per
# page and a few orders per client, so the scripts, the floor and the table
# keep working and every page answers; those numbers are not the goals.
#
# Needs the release build and the floor (make bench builds both).
set -euo pipefail
cd "$(dirname "$0")/../.."

listings=${1:-100000}
seconds=${2:-10}
orders_per_client=${3:-50}
results=$(mktemp)
trap 'rm -f "$results"' EXIT
export RESULTS=$results

for backend in sqlite postgres; do
  BACKEND=$backend bash end2end/bench/pages.sh "$listings" "$seconds" 16
  for clients in 16 64; do
    node end2end/bench/payment.mjs --clients "$clients" --orders $((clients * orders_per_client)) --backend "$backend" \
      --floor --results "$results"
  done
done

wasm=$(ls target/site/pkg/*.wasm | head -1)
raw=$(stat -c %s "$wasm")
brotli=$(stat -c %s "$wasm.br" 2>/dev/null || echo "?")
js=$(ls target/site/pkg/*.js | head -1)
css=$(ls target/site/pkg/*.css | head -1)

python3 - "$results" "$raw" "$brotli" "$(stat -c %s "$js.br" 2>/dev/null || echo 0)" \
  "$(stat -c %s "$css.br" 2>/dev/null || echo 0)" <<'EOF_TABLE'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
print("\n## make bench (release build; 16 connections for pages; app and floor in the same run)\n")
print("| backend | what | app req/s or tx/s | p50 | p99 | floor | floor p50 | floor p99 | app/floor |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for row in rows:
    row += [""] * (9 - len(row))
    print("| " + " | ".join(row[:9]) + " |")
raw, brotli, js, css = sys.argv[2:6]
print(f"\nhydrate wasm: {int(raw):,} B raw, {int(brotli):,} B brotli; JS glue {int(js):,} B and CSS {int(css):,} B brotli")
EOF_TABLE
