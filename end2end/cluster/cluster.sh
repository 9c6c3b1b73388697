#!/usr/bin/env bash
# Two `escrowmart serve` instances on one PostgreSQL database behind
# haproxy (Debian's), as a deployment with several instances runs:
#
#   bash end2end/cluster/cluster.sh            start them and wait (Ctrl-C stops all)
#   bash end2end/cluster/cluster.sh --bench    item pages from one instance directly,
#       then from both through the balancer (wrk, 16 connections, 10 s each)
#   bash end2end/cluster/cluster.sh --check    start them, check, stop:
#       - answers alternate between the instances (X-Served-By);
#       - the browser journey (buy → pay → ship → confirm) passes through
#         the balancer, both instances answering it (journey.spec.ts);
#       - timers, bank callbacks, webhooks and e-mails are each handled
#         once across the two instances (once.mjs);
#       - a rolling restart (SIGTERM one, start it, then the other) under
#         load loses no request: wrk must see no error and no non-2xx;
#       - `escrowmart audit` passes on the database they shared.
# With the test replica running (make replica, which cluster-check starts),
# both read the public pages from it (DATABASE_READ_URL).
#
# The balancer listens on 127.0.0.1:3400, the instances on 3401 and 3402,
# with the same secrets and the balancer as their public address (the bank
# calls back through it); e-mail goes to an SMTP server on 3403 (aiosmtpd,
# into a Maildir), a shop's webhooks to 3404. Needs the release build
# (make build), PostgreSQL (TEST_POSTGRES_URL's server), and haproxy, wrk
# and aiosmtpd (make tools).
set -euo pipefail
cd "$(dirname "$0")/../.."

check=false
bench=false
[ "${1:-}" = "--check" ] && check=true
[ "${1:-}" = "--bench" ] && bench=true
admin=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
binary=target/release/escrowmart
[ -x "$binary" ] || { echo "build first: make build" >&2; exit 1; }
smtpd=end2end/.venv/bin/python
for tool in haproxy wrk "$smtpd"; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: make tools installs it" >&2; exit 1; }
done

name="escrowmart_cluster_$$"
dir=$(mktemp -d)
declare -A instance=()
balancer=
mailer=
cleanup() {
  local status=$?
  if [ "$status" != 0 ]; then
    for log in a b smtp haproxy; do
      [ -f "$dir/$log.log" ] && { echo "--- last lines of $log.log" >&2; tail -20 "$dir/$log.log" >&2; }
    done
  fi
  for pid in "${instance[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "$balancer" "$mailer"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$admin" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
psql "$admin" -qc "CREATE DATABASE $name"
export DATABASE_URL="${admin%/*}/$name" ESCROWMART_MEDIA_DIR="$dir/media" \
  ESCROWMART_PUBLIC_URL=http://127.0.0.1:3400 LEPTOS_SITE_ROOT=target/site RUST_LOG=warn \
  ESCROWMART_SECRET="cluster-$$-$(date +%s%N)" ESCROWMART_BANK_SECRET="cluster-bank-$$-$(date +%s%N)" \
  ESCROWMART_METRICS_TOKEN="cluster-metrics-$$-$(date +%s%N)" \
  ESCROWMART_SMTP_URL=smtp://127.0.0.1:3403 E2E_MAILDIR="$dir/mail" \
  ESCROWMART_MERCHANT_PASSWORD="the cluster shop password" MERCHANT_EMAIL=shop@cluster.test RECEIVER_PORT=3404
"$binary" seed --demo >/dev/null
# A shop on the merchant API whose webhooks go to once.mjs's receiver.
MERCHANT_API_KEY=$("$binary" merchant setup --email "$MERCHANT_EMAIL" --name "Cluster Shop" \
  --webhook-url "http://127.0.0.1:$RECEIVER_PORT/hooks" | sed -n 's/^ESCROWMART_API_KEY=//p')
export MERCHANT_API_KEY
# With a streaming replica of the server running (make replica), the
# instances read the public pages from it, so the journey checks
# read-your-writes in a real browser. It must first have replayed the seed.
replica_admin=${TEST_POSTGRES_REPLICA_URL:-postgres://postgres@127.0.0.1:5433/postgres}
if pg_isready -q -d "$replica_admin"; then
  replica="${replica_admin%/*}/$name"
  members=$(psql "$DATABASE_URL" -Atc "SELECT count(*) FROM users")
  for _ in $(seq 1 300); do
    [ "$(psql "$replica" -Atc "SELECT count(*) FROM users" 2>/dev/null)" = "$members" ] && break
    sleep 0.1
  done
  export DATABASE_READ_URL=$replica
fi
if $check; then
  # Deadlines, mail and the bank quick enough for a test, every bank
  # callback sent twice, and the one address all test members come from
  # not rate-limited; the rest as in production.
  export ESCROWMART_UNPAID_TIMEOUT=8s UNPAID_TIMEOUT_MS=8000 ESCROWMART_TIMER_TICK=250ms \
    ESCROWMART_MAIL_POLL=100ms ESCROWMART_BANK_DELAY=200ms ESCROWMART_BANK_DUPLICATE_EVERY=1 \
    ESCROWMART_WEBHOOK_ALLOW_PRIVATE=true ESCROWMART_SIGN_UPS_PER_HOUR=100000 \
    ESCROWMART_SIGN_IN_FAILURES_PER_ADDRESS=100000 ESCROWMART_POSTS_PER_MINUTE=1000000 \
    ESCROWMART_API_CALLS_PER_MINUTE=1000000
fi
"$smtpd" -m aiosmtpd -n -l 127.0.0.1:3403 -c aiosmtpd.handlers.Mailbox "$E2E_MAILDIR" >"$dir/smtp.log" 2>&1 &
mailer=$!

healthy() { curl -sf "http://127.0.0.1:$1/healthz" >/dev/null; }
start() { # start <a|b>
  local port=$([ "$1" = a ] && echo 3401 || echo 3402)
  ESCROWMART_ADDR="127.0.0.1:$port" "$binary" serve >>"$dir/$1.log" 2>&1 &
  instance[$1]=$!
  for _ in $(seq 1 200); do healthy "$port" && return; sleep 0.05; done
  echo "instance $1 did not come up; see its log:" >&2; cat "$dir/$1.log" >&2; exit 1
}
stop() { # stop <a|b>: as a rolling restart does, SIGTERM and wait
  kill -TERM "${instance[$1]}"
  wait "${instance[$1]}" || { echo "instance $1 did not exit cleanly" >&2; exit 1; }
}

cat >"$dir/haproxy.cfg" <<EOF_CFG
global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 30s
  timeout server 30s
  # A request refused by a stopping instance goes to the other one.
  retries 3
  option redispatch
  retry-on conn-failure empty-response
frontend web
  bind 127.0.0.1:3400
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /healthz
  http-check expect status 200
  default-server inter 500ms fall 2 rise 1
  http-response set-header X-Served-By %s
  server a 127.0.0.1:3401 check
  server b 127.0.0.1:3402 check
EOF_CFG
start a
start b
haproxy -f "$dir/haproxy.cfg" -db >"$dir/haproxy.log" 2>&1 &
balancer=$!
for _ in $(seq 1 100); do healthy 3400 && break; sleep 0.05; done

if $bench; then
  for target in "one instance:3401" "two behind haproxy:3400"; do
    wrk -t2 -c16 -d10s --latency "http://127.0.0.1:${target##*:}/item/3" >"$dir/wrk.txt"
    printf '%-20s %8s req/s  p50 %8s  p99 %8s\n' "${target%:*}" \
      "$(awk '/Requests\/sec/ {print $2}' "$dir/wrk.txt")" \
      "$(awk '$1 == "50%" {print $2}' "$dir/wrk.txt")" "$(awk '$1 == "99%" {print $2}' "$dir/wrk.txt")"
  done
  exit
fi

if ! $check; then
  echo "http://127.0.0.1:3400 → instances on 3401 and 3402 (database $name${DATABASE_READ_URL:+, reads from the replica}, e-mail in $E2E_MAILDIR); Ctrl-C stops all"
  wait "$balancer"
  exit
fi

if [ -n "${DATABASE_READ_URL:-}" ]; then
  echo "public pages read the replica ($DATABASE_READ_URL); members who just wrote read the primary"
else
  echo "every read goes to the primary (no replica running)"
fi
served=$(for _ in 1 2 3 4; do curl -s -o /dev/null -D - http://127.0.0.1:3400/ | tr -d '\r' | awk -F': ' 'tolower($1) == "x-served-by" {print $2}'; done | tr '\n' ' ')
echo "served by: $served"
[ "$served" = "a b a b " ] || [ "$served" = "b a b a " ] || { echo "answers do not alternate" >&2; exit 1; }

export CLUSTER_URL=http://127.0.0.1:3400 CLUSTER_INSTANCES=a=http://127.0.0.1:3401,b=http://127.0.0.1:3402
(cd end2end && npx playwright test --config cluster/playwright.config.ts)
node end2end/cluster/once.mjs

wrk -t2 -c16 -d12s --latency http://127.0.0.1:3400/item/3 >"$dir/wrk.txt" &
load=$!
sleep 2
stop a; start a
sleep 2
stop b; start b
wait "$load"
grep -E 'requests in|Requests/sec|99%' "$dir/wrk.txt"
if grep -qE 'Socket errors|Non-2xx' "$dir/wrk.txt"; then
  grep -E 'Socket errors|Non-2xx' "$dir/wrk.txt" >&2
  echo "the rolling restart lost requests" >&2
  exit 1
fi
echo "rolling restart under load: no request lost"
# What went wrong along the way and was recovered from (a retried e-mail, a
# refused callback), for whoever reads the run.
grep -hE ' (WARN|ERROR) ' "$dir/a.log" "$dir/b.log" | sed -E 's/\x1b\[[0-9;]*m//g; s/^[^ ]+ +//' | cut -c1-240 | sort | uniq -c | sort -rn | head -8 || true
"$binary" audit | tail -1
