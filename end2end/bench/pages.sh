#!/usr/bin/env bash
# Page throughput and latency at marketplace scale, over loopback:
# seeds LISTINGS listings (100,000 by default) into a fresh SQLite file,
# starts the release server, and drives the home page, searches (a
# two-character Chinese word, one character, pinyin and English, all through
# the token index), an item page, /stats and a /metrics scrape
# with wrk. Prints requests/s and p50/p99 per page, then the server's peak
# resident memory.
#
#   bash end2end/bench/pages.sh [listings=100000] [seconds=15] [connections=16]
#
# Needs the release build (make build) and wrk (installed here if missing).
set -euo pipefail
cd "$(dirname "$0")/../.."

listings=${1:-100000}
seconds=${2:-15}
connections=${3:-16}
port=3298
base="http://127.0.0.1:$port"
binary=target/release/escrowmart
[ -x "$binary" ] || { echo "build first: make build" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  apt-get install -y -qq wrk >/dev/null
fi

dir=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
export DATABASE_URL="sqlite://$dir/bench.db" ESCROWMART_MEDIA_DIR="$dir/media" RUST_LOG=error

echo "seeding $listings listings, $((listings / 50)) members, $((listings / 100)) orders…"
start=$(date +%s%N)
"$binary" seed --demo --listings "$listings" --users $((listings / 50)) --orders $((listings / 100))
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
printf 'seed wall time: %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000))
"$binary" audit | tail -1
# The search index's size: the FTS5 tables, and the token column they index.
python3 - "$dir/bench.db" <<'EOF_SIZE'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
fts = db.execute("SELECT SUM(pgsize) FROM dbstat WHERE name LIKE 'listings_fts%'").fetchone()[0] or 0
tokens = db.execute("SELECT SUM(LENGTH(CAST(search_tokens AS BLOB))) FROM listings").fetchone()[0] or 0
text = db.execute("SELECT SUM(LENGTH(CAST(title AS BLOB)) + LENGTH(CAST(description AS BLOB))) FROM listings").fetchone()[0] or 0
print(f"search index: FTS5 {fts / 1e6:.1f} MB, token column {tokens / 1e6:.1f} MB (titles and descriptions {text / 1e6:.1f} MB)")
EOF_SIZE

# /metrics is scraped from here like a Prometheus beside the server.
ESCROWMART_ADDR="127.0.0.1:$port" ESCROWMART_METRICS_FROM=127.0.0.1 LEPTOS_SITE_ROOT=target/site "$binary" serve >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -sf "$base/healthz" >/dev/null && break
  sleep 0.1
done

item=$((listings / 2))
printf '\n%-34s %10s %10s %10s %10s\n' page 'req/s' p50 p99 'RSS after'
rss_mb() { echo $(($(awk '/VmRSS/ {print $2}' "/proc/$server/status") / 1024)); }
while read -r name path; do
  out=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$base$path")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-34s %10s %10s %10s %7s MB %s\n' "$name" "$rps" "$p50" "$p99" "$(rss_mb)" "${errors:+($errors non-2xx)}"
done <<EOF_PAGES
home / 
home,page-50 /?page=50
search-zh-2chars(手机) /search?q=%E6%89%8B%E6%9C%BA
search-zh-1char(书) /search?q=%E4%B9%A6
search-pinyin(shouji) /search?q=shouji
search-en(phone) /search?q=phone
search-en+category+price /search?q=phone&category=digital&min=500&max=3000&sort=price-low
category(books) /category/books
item /item/$item
stats /stats
metrics(scrape) /metrics
EOF_PAGES
printf 'server peak RSS: %d MB\n' $(($(awk '/VmHWM/ {print $2}' "/proc/$server/status") / 1024))
