#!/usr/bin/env bash
# Page throughput and latency at marketplace scale, over loopback, against
# the floor: seeds LISTINGS listings (100,000 by default) into a fresh SQLite
# file or PostgreSQL database, starts the release server and the floor
# (end2end/bench/floor: the same SQL without the framework) on it, and
# drives each page with wrk, the app and then the floor, so both are
# measured in the same run. Pages: home, searches (a two-character Chinese
# word, one character, pinyin and English, all through the token index), a
# category, an item page, /stats, a /metrics scrape and static files. Prints
# requests/s and p50/p99 of both, the ratio, the server's resident memory
# after each page and its peak.
#
#   bash end2end/bench/pages.sh [listings=100000] [seconds=15] [connections=16]
#
# BACKEND=postgres uses a new database on TEST_POSTGRES_URL (dropped
# afterwards). RESULTS=file appends each row as tab-separated values for
# bench.sh's table. Needs the release build and the floor (make bench builds
# both) and wrk (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

listings=${1:-100000}
seconds=${2:-15}
connections=${3:-16}
backend=${BACKEND:-sqlite}
port=3298
floor_port=3297
base="http://127.0.0.1:$port"
floor_base="http://127.0.0.1:$floor_port"
binary=target/release/escrowmart
floor_binary=target/release/escrowmart-floor
[ -x "$binary" ] || { echo "build first: make build" >&2; exit 1; }
[ -x "$floor_binary" ] || { echo "build the floor first: cargo build --release -p escrowmart-bench-floor" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  apt-get install -y -qq wrk >/dev/null
fi

dir=$(mktemp -d)
server=
floor=
postgres_admin=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
postgres_name=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$floor" ] && kill "$floor" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$postgres_name" ] && psql "$postgres_admin" -qc "DROP DATABASE IF EXISTS $postgres_name WITH (FORCE)" || true
  rm -rf "$dir"
}
trap cleanup EXIT
if [ "$backend" = postgres ]; then
  postgres_name="escrowmart_pages_$$"
  psql "$postgres_admin" -qc "CREATE DATABASE $postgres_name"
  export DATABASE_URL="${postgres_admin%/*}/$postgres_name"
else
  export DATABASE_URL="sqlite://$dir/bench.db"
fi
export ESCROWMART_MEDIA_DIR="$dir/media" RUST_LOG=error

echo "$backend: seeding $listings listings, $((listings / 50)) members, $((listings / 100)) orders…"
start=$(date +%s%N)
"$binary" seed --demo --listings "$listings" --users $((listings / 50)) --orders $((listings / 100))
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
printf 'seed wall time: %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
"$binary" audit | tail -1
if [ "$backend" = sqlite ]; then
  # The search index's size: the FTS5 tables, and the token column they index.
  python3 - "$dir/bench.db" <<'EOF_SIZE'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
fts = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'listings_fts%'").fetchone()[0] or 0
tokens = db.execute("SELECT SUM(LENGTH(CAST(search_tokens AS BLOB))) FROM listings").fetchone()[0] or 0
text = db.execute("SELECT SUM(LENGTH(CAST(title AS BLOB)) + LENGTH(CAST(description AS BLOB))) FROM listings").fetchone()[0] or 0
print(f"search index: FTS5 {fts / 1e6:.1f} MB, token column {tokens / 1e6:.1f} MB (titles and descriptions {text / 1e6:.1f} MB)")
EOF_SIZE
fi

# /metrics is scraped from here like a Prometheus beside the server.
ESCROWMART_ADDR="127.0.0.1:$port" ESCROWMART_METRICS_FROM=127.0.0.1 LEPTOS_SITE_ROOT=target/site "$binary" serve >"$dir/server.log" 2>&1 &
server=$!
"$floor_binary" serve --addr "127.0.0.1:$floor_port" --public-dir public >"$dir/floor.log" 2>&1 &
floor=$!
for url in "$base/healthz" "$floor_base/favicon.svg"; do
  for _ in $(seq 1 100); do
    curl -sf "$url" >/dev/null && break
    sleep 0.1
  done
done

item=$((listings / 2))
home=$(curl -sf "$base/")
css=$(grep -o '/pkg/[^"]*\.css' <<<"$home" | head -1)
photo=$(grep -o '/media/[^"]*' <<<"$home" | head -1)

# What a browser's first visit to the home page downloads, as brotli: the
# HTML and the CSS, JS and wasm it names (photos load lazily).
if [ "$backend" = sqlite ]; then
  sent() { curl -s -H 'accept-encoding: br' -o /dev/null -w '%{size_download}' "$base$1"; }
  html_b=$(sent /)
  js=$(grep -o '/pkg/[^"]*\.js' <<<"$home" | head -1)
  wasm=$(grep -o '/pkg/[^"]*\.wasm' <<<"$home" | head -1)
  [ -n "$wasm" ] || wasm="${js%.js}_bg.wasm"
  css_b=$(sent "$css") js_b=$(sent "$js") wasm_b=$(sent "$wasm")
  total=$((html_b + css_b + js_b + wasm_b))
  echo "first visit to the home page, brotli: HTML $html_b + CSS $css_b + JS $js_b + wasm $wasm_b = $total B"
  if [ -n "${RESULTS:-}" ]; then
    printf '%s\tfirst visit (HTML+CSS+JS+wasm, brotli)\t%s B\t\t\t\t\t\t\n' "$backend" "$total" >>"$RESULTS"
  fi
fi

# Prints "req/s p50 p99 non-2xx" of one wrk run.
measure() {
  local out
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$1")
  awk '/Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "99%" {p99 = $2} /Non-2xx/ {bad = $NF}
       END {print rps, p50, p99, bad + 0}' <<<"$out"
}
rss_mb() { echo $(($(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024)); }

failures=0
printf '\n%-26s %9s %9s %9s | %9s %9s %9s | %6s %8s\n' page 'req/s' p50 p99 'floor r/s' p50 p99 ratio 'RSS'
while read -r name path floor_path; do
  read -r rps p50 p99 bad < <(measure "$base$path")
  frps=- fp50=- fp99=- ratio=-
  if [ "$floor_path" != - ]; then
    read -r frps fp50 fp99 fbad < <(measure "$floor_base$floor_path")
    [ "$fbad" = 0 ] || echo "the floor answered $fbad non-2xx on $floor_path" >&2
    ratio=$(awk -v a="$rps" -v b="$frps" 'BEGIN {printf "%.2f", a / b}')
  fi
  printf '%-26s %9s %9s %9s | %9s %9s %9s | %6s %5s MB %s\n' "$name" "$rps" "$p50" "$p99" "$frps" "$fp50" "$fp99" \
    "$ratio" "$(rss_mb)" "$([ "$bad" = 0 ] || echo "($bad non-2xx)")"
  [ "$bad" = 0 ] || failures=$((failures + 1))
  if [ -n "${RESULTS:-}" ]; then
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$name" "$rps" "$p50" "$p99" "$frps" "$fp50" "$fp99" "$ratio" >>"$RESULTS"
  fi
done <<EOF_PAGES
home / /
home,page-50 /?page=50 -
search-手机 /search?q=%E6%89%8B%E6%9C%BA /search?q=%E6%89%8B%E6%9C%BA
search-书 /search?q=%E4%B9%A6 /search?q=%E4%B9%A6
search-shouji /search?q=shouji /search?q=shouji
search-phone /search?q=phone /search?q=phone
search-phone+filters /search?q=phone&category=digital&min=500&max=3000&sort=price-low -
category(books) /category/books /category/books
item /item/$item /item/$item
stats /stats -
metrics(scrape) /metrics -
static:favicon.svg /favicon.svg /favicon.svg
static:css $css /favicon.svg
static:photo ${photo:-/favicon.svg} /favicon.svg
EOF_PAGES
peak=$(($(awk '/VmHWM/ {print $2}' "/proc/$server/status") / 1024))
printf 'server peak RSS: %d MB\n' "$peak"
if [ -n "${RESULTS:-}" ]; then
  printf '%s\tpeak RSS (pages)\t%s MB\t\t\t\t\t\t\n' "$backend" "$peak" >>"$RESULTS"
fi
# A page that answered errors was not measured: the run fails.
if [ "$failures" != 0 ]; then
  echo "$failures page(s) answered non-2xx; their figures are not throughput" >&2
  exit 1
fi
