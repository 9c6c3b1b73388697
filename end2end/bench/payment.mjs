// Escrow payments over loopback: each client is a buyer who places an order
// and pays it from the wallet (ledger transfer + state change + timer +
// event + notification in one transaction), again and again. Prints the
// write transactions per second (place and pay are one each), the median
// and p99 of each step, and the server's peak resident memory (VmHWM).
//
//   node end2end/bench/payment.mjs [--clients 16] [--orders 800] [--backend sqlite|postgres]
//
// Starts the release server (target/release/escrowmart) on a fresh SQLite
// file or a new PostgreSQL database (TEST_POSTGRES_URL, dropped afterwards)
// and stops it afterwards. Build it first: make build.
//
// With --floor, each buyer has money and stock for twice as many orders;
// once the server has stopped, the floor (end2end/bench/floor, built by
// make bench) places and pays the same number again on the same database
// with the same statements and no framework, and `escrowmart audit` checks
// the ledger after both. The app's rate over the floor's is the ratio
// printed. --results FILE appends the figures for bench.sh's table.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const clients = Number(option('clients', 16));
const orders = Number(option('orders', 800));
const backend = option('backend', 'sqlite');
const port = Number(option('port', 3299));
const base = `http://127.0.0.1:${port}`;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'escrowmart-bench-'));
const postgresAdmin = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const perClient = Math.ceil(orders / clients);
const withFloor = process.argv.includes('--floor');
const results = option('results', null);
// Room for the floor's orders after the app's.
const rounds = withFloor ? 2 : 1;
const price = 10;

let databaseUrl = `sqlite://${dir}/bench.db`;
let postgresName = null;
if (backend === 'postgres') {
  postgresName = `escrowmart_bench_${process.pid}`;
  execFileSync('psql', [postgresAdmin, '-qc', `CREATE DATABASE ${postgresName}`]);
  databaseUrl = postgresAdmin.replace(/\/[^/]*$/, `/${postgresName}`);
}

const bin = path.join(root, 'target', 'release', 'escrowmart');
const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  ESCROWMART_MEDIA_DIR: `${dir}/media`,
  ESCROWMART_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
  ESCROWMART_BANK_DELAY: '50ms',
  ESCROWMART_SIGN_UPS_PER_HOUR: '100000',
  ESCROWMART_POSTS_PER_MINUTE: '1000000',
  ESCROWMART_MERCHANT_PASSWORD: 'benchmark password',
  RUST_LOG: 'error',
};
// A confirmed member, so it may list at once.
execFileSync(bin, ['merchant', 'setup', '--email', 'seller@bench.test', '--name', 'Seller'], { env, stdio: 'ignore' });
const server = spawn(bin, ['serve'], { env, stdio: 'inherit' });

class Member {
  cookie = '';
  async call(fn, fields) {
    const response = await fetch(`${base}/api/${fn}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie },
      body: new URLSearchParams(fields),
    });
    const set = response.headers.getSetCookie?.() ?? [];
    for (const c of set) this.cookie = c.split(';')[0];
    const text = await response.text();
    if (!response.ok) throw new Error(`${fn}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

const key = () => crypto.randomUUID().replaceAll('-', '');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const peakRssMb = () => {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)[1]) / 1024;
};

async function stopServer() {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGINT');
    await exited;
  }
}

async function waitForServer() {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error('server did not start');
}

async function buyerWithWallet(i) {
  const buyer = new Member();
  await buyer.call('sign_up', { email: `buyer${i}@bench.test`, display_name: `Buyer ${i}`, password: 'benchmark password' });
  await buyer.call('top_up', { amount: String(rounds * perClient * price), form_key: key() });
  for (let tries = 0; ; tries++) {
    const wallet = await buyer.call('get_wallet', {});
    if (Number(wallet.available) >= rounds * perClient * price) return buyer;
    if (tries > 300) throw new Error('top-up never arrived');
    await sleep(100);
  }
}

try {
  await waitForServer();
  const seller = new Member();
  await seller.call('sign_in', { email: 'seller@bench.test', password: env.ESCROWMART_MERCHANT_PASSWORD });
  // Each client buys from a listing of its own, so the benchmark measures
  // writers queueing for the database, not for one listing's row.
  for (let i = 0; i < clients; i++) {
    await seller.call('create_listing', {
      title: `Benchmark item ${i}`, description: '', category: 'daily-goods', condition: 'new', price: `${price}.00`, stock: String(rounds * perClient),
    });
  }
  const listings = (await seller.call('my_listings', {})).map((listing) => listing.id);
  const buyers = await Promise.all(Array.from({ length: clients }, (_, i) => buyerWithWallet(i)));

  const place = [];
  const pay = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    buyers.map(async (buyer, i) => {
      for (let n = 0; n < perClient; n++) {
        let start = process.hrtime.bigint();
        await buyer.call('place_order', { listing_id: String(listings[i]), quantity: '1', shipping_address: 'Bench Road 1', form_key: key() });
        place.push(ms(start));
        const id = (await buyer.call('my_orders', {}))[0].id;
        start = process.hrtime.bigint();
        await buyer.call('pay_order', { id: String(id), form_key: key() });
        pay.push(ms(start));
      }
    }),
  );
  const seconds = ms(started) / 1000;
  const rate = (place.length + pay.length) / seconds;
  const peak = peakRssMb();
  const line = (name, v) =>
    console.log(`  ${name.padEnd(12)} n=${v.length}  p50 ${quantile(v, 0.5).toFixed(1)} ms  p99 ${quantile(v, 0.99).toFixed(1)} ms`);
  console.log(`payments, ${backend}, ${clients} clients: ${rate.toFixed(0)} write tx/s ` +
    `(${place.length} orders placed and paid in ${seconds.toFixed(1)} s), server peak RSS ${peak.toFixed(0)} MB`);
  line('place order', place);
  line('pay order', pay);
  const both = [...place, ...pay];
  let row = [backend, `payments, ${clients} clients`, rate.toFixed(0), `${quantile(both, 0.5).toFixed(1)}ms`, `${quantile(both, 0.99).toFixed(1)}ms`];

  if (withFloor) {
    await stopServer();
    const floor = JSON.parse(
      execFileSync(path.join(root, 'target', 'release', 'escrowmart-floor'),
        ['--database-url', databaseUrl, 'pay', '--clients', String(clients), '--orders-per-client', String(perClient)],
        { env, encoding: 'utf8' }),
    );
    console.log(`  floor: ${floor.rate.toFixed(0)} write tx/s (${floor.orders} orders in ${floor.seconds.toFixed(1)} s), ` +
      `p50 ${floor.p50_ms.toFixed(1)} ms, p99 ${floor.p99_ms.toFixed(1)} ms; app/floor ${(rate / floor.rate).toFixed(2)}`);
    // The floor wrote what the app writes, or the ledger would not add up.
    const audit = execFileSync(bin, ['audit'], { env, encoding: 'utf8' }).trim().split('\n').pop();
    console.log(`  after both: ${audit}`);
    row = [...row, floor.rate.toFixed(0), `${floor.p50_ms.toFixed(1)}ms`, `${floor.p99_ms.toFixed(1)}ms`, (rate / floor.rate).toFixed(2)];
  } else {
    row = [...row, '-', '-', '-', '-'];
  }
  if (results) {
    appendFileSync(results, `${row.join('\t')}\n`);
    appendFileSync(results, `${backend}\tpeak RSS (payments, ${clients} clients)\t${peak.toFixed(0)} MB\t\t\t\t\t\t\n`);
  }
} finally {
  await stopServer();
  rmSync(dir, { recursive: true, force: true });
  if (postgresName) execFileSync('psql', [postgresAdmin, '-qc', `DROP DATABASE IF EXISTS ${postgresName} WITH (FORCE)`]);
}
