#!/usr/bin/env bash
# A streaming replica of the machine's PostgreSQL server, for the read
# replica test (src/server/tests/replica.rs): a second cluster made from the
# running server by pg_basebackup, in hot standby on 127.0.0.1:5433,
# replaying the primary's WAL as it streams in. Its copy of any database is
# reached at postgres://postgres@127.0.0.1:5433/<name>.
#
#   bash end2end/replica/replica.sh         make it if absent, start it if stopped
#   bash end2end/replica/replica.sh stop    stop it and delete it
#
# The primary must accept replication connections from 127.0.0.1; if its
# pg_hba.conf has no such line, one (trust, loopback only, like the
# machine's other lines) is added and the configuration reloaded.
set -euo pipefail

primary=${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
port=${REPLICA_PORT:-5433}
dir=${REPLICA_DIR:-/var/tmp/escrowmart-replica}
version=$(ls /etc/postgresql | sort -V | tail -1)
bin=/usr/lib/postgresql/$version/bin
# PostgreSQL refuses to run as root.
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi; }

if [ "${1:-}" = stop ]; then
  [ -d "$dir" ] && as_postgres "$bin/pg_ctl" -D "$dir" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  exit
fi

if pg_isready -q -h 127.0.0.1 -p "$port"; then
  exit 0
fi
if [ -f "$dir/standby.signal" ]; then
  as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
  exit 0
fi

allowed=$(psql "$primary" -Atc "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND (address IS NULL OR address = '127.0.0.1')")
if [ "$allowed" = 0 ]; then
  hba=$(psql "$primary" -Atc "SHOW hba_file")
  echo "host replication all 127.0.0.1/32 trust  # escrowmart: end2end/replica/replica.sh" >>"$hba"
  psql "$primary" -qAtc "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
fi

rm -rf "$dir"
install -d -o postgres -g postgres -m 0700 "$dir"
host=$(sed -E 's#^postgres(ql)?://([^@/]*@)?([^:/]+).*#\3#' <<<"$primary")
primary_port=$(sed -nE 's#^postgres(ql)?://[^/]*:([0-9]+)/.*#\2#p' <<<"$primary")
# -R writes standby.signal and primary_conninfo: it starts as a standby.
as_postgres pg_basebackup -h "$host" -p "${primary_port:-5432}" -U postgres -D "$dir" -R -X stream -c fast
# Debian keeps the configuration outside the data directory, so the copy
# has none: a small one of its own.
as_postgres tee "$dir/postgresql.conf" >/dev/null <<EOF_CONF
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
# A test's reads are short; replay never waits long behind them, and the
# primary keeps what they read.
hot_standby_feedback = on
max_standby_streaming_delay = 5s
max_connections = 200
shared_buffers = 64MB
EOF_CONF
as_postgres tee "$dir/pg_hba.conf" >/dev/null <<EOF_HBA
local all all trust
host all all 127.0.0.1/32 trust
EOF_HBA
as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
echo "replica of $host:${primary_port:-5432} streaming on 127.0.0.1:$port ($dir)"
