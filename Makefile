# The two commands of README.md: `make run` and `make test`. Each installs
# what is missing first (see .ci/install-tools), so a fresh machine needs
# nothing else.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(HOME)/.cargo/bin:$(CURDIR)/end2end/node_modules/.bin:$(PATH)
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres
TEST_POSTGRES_REPLICA_URL ?= postgres://postgres@127.0.0.1:5433/postgres
OPS ?= 100000
CRASHES ?= 12

.PHONY: run test tools build lint test-rust test-sqlite test-postgres test-e2e test-contract test-chaos test-bench bench bench-api bench-cluster postgres replica sim chaos cluster cluster-check

## Start the app on the embedded SQLite with demo data at http://127.0.0.1:3000
run: tools build
	ESCROWMART_DEMO=true LEPTOS_SITE_ROOT=target/site target/release/escrowmart serve

## Run every check: formatting, lints, Rust tests on SQLite and PostgreSQL, Playwright,
## the crash and two-instance checks, the benchmarks' short run
test: tools lint test-rust test-e2e test-contract test-chaos test-bench cluster-check

tools:
	@bash .ci/install-tools

build:
	cargo leptos build --release --precompress
	cargo build --release -p tea-shop

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --features ssr --all-targets -- -D warnings
	cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

test-rust: test-sqlite test-postgres

test-sqlite:
	cargo nextest run --workspace --features ssr

test-postgres: postgres replica
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) TEST_POSTGRES_REPLICA_URL=$(TEST_POSTGRES_REPLICA_URL) \
	  cargo nextest run --features ssr

test-e2e: build
	cd end2end && npx playwright test

## The merchant API against its served OpenAPI document (Schemathesis)
test-contract: build
	bash end2end/contract/schemathesis.sh

## Crash under load, short: 3 kills on SQLite, 3 on PostgreSQL with one database restart
test-chaos: build postgres
	node end2end/chaos/chaos.mjs --crashes 3 --members 16 --backend sqlite
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) node end2end/chaos/chaos.mjs --crashes 4 --members 16 --backend postgres

## Crash under load, long: 12 kills with 32 members on each backend
chaos: build postgres
	node end2end/chaos/chaos.mjs --crashes $(CRASHES) --members 32 --backend sqlite
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) node end2end/chaos/chaos.mjs --crashes $(CRASHES) --members 32 --backend postgres

## The deterministic simulation, long: `make sim OPS=1000000 [SEED=n]`
sim: build
	RUST_LOG=warn target/release/escrowmart simulate --ops $(OPS) $(if $(SEED),--seed $(SEED))

## Benchmarks, each against its floor (end2end/bench/floor: the same SQL
## without the framework) in the same run, on SQLite and PostgreSQL: pages
## and static files at 100,000 listings, escrow payments from 16 and 64
## clients, the bundle's size; one table at the end
bench: build postgres
	cargo build --release -p escrowmart-bench-floor
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) bash end2end/bench/bench.sh 100000 10

## The same, short (make test): 1,000 listings, one second per page, 4 orders
## per payment client; checks that every page answers and the ledger adds up
## after the app and the floor, not how fast
test-bench: build postgres
	cargo build --release -p escrowmart-bench-floor
	TEST_POSTGRES_URL=$(TEST_POSTGRES_URL) bash end2end/bench/bench.sh 1000 1 4

## Create-escrow throughput and webhook latency over loopback
bench-api: build
	node end2end/bench/merchant.mjs

## Two instances on one PostgreSQL behind haproxy at http://127.0.0.1:3400 (Ctrl-C stops all)
cluster: build postgres replica
	bash end2end/cluster/cluster.sh

## The same, checked: answers alternate, the browser journey passes through the
## balancer, shared work is done once, a rolling restart under load loses nothing
cluster-check: build postgres replica
	bash end2end/cluster/cluster.sh --check

## One instance against two behind haproxy: item pages, req/s, p50, p99
bench-cluster: build postgres replica
	bash end2end/cluster/cluster.sh --bench

## A streaming replica of that PostgreSQL on 127.0.0.1:5433 (made once, by pg_basebackup)
replica: postgres
	@bash end2end/replica/replica.sh

# Starts the machine's PostgreSQL if it is stopped.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
