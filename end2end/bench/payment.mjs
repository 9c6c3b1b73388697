// Times one escrow payment end to end over loopback: place an order, then
// pay it from the wallet (ledger transfer + state change + timer + event +
// notification in one transaction). Prints the median and p90 of each.
//
//   node end2end/bench/payment.mjs [orders=200]
//
// Starts the release server (target/release/escrowmart) on a fresh SQLite
// file on port 3299 and stops it afterwards. Build it first: make build.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const orders = Number(process.argv[2] ?? 200);
const port = 3299;
const base = `http://127.0.0.1:${port}`;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(path.join(tmpdir(), 'escrowmart-bench-'));

const server = spawn(path.join(root, 'target', 'release', 'escrowmart'), ['serve'], {
  env: {
    ...process.env,
    DATABASE_URL: `sqlite://${dir}/bench.db`,
    ESCROWMART_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
    ESCROWMART_BANK_DELAY: '50ms',
    RUST_LOG: 'error',
  },
  stdio: 'inherit',
});

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
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

try {
  await waitForServer();
  const seller = new Member();
  const buyer = new Member();
  await seller.call('sign_up', { email: 'seller@bench.test', display_name: 'Seller', password: 'benchmark password' });
  await buyer.call('sign_up', { email: 'buyer@bench.test', display_name: 'Buyer', password: 'benchmark password' });
  await seller.call('create_listing', {
    title: 'Benchmark item', description: '', category: 'other', condition: 'new', price: '10.00', stock: String(orders),
  });
  const listing = (await seller.call('my_listings', {}))[0].id;
  await buyer.call('top_up', { amount: String(orders * 10), form_key: key() });
  for (let i = 0; ; i++) {
    const wallet = await buyer.call('get_wallet', {});
    if (wallet.available === `${orders * 10}` || Number(wallet.available) >= orders * 10) break;
    if (i > 100) throw new Error('top-up never arrived');
    await new Promise((r) => setTimeout(r, 100));
  }

  const place = [];
  const pay = [];
  for (let i = 0; i < orders; i++) {
    let start = process.hrtime.bigint();
    await buyer.call('place_order', { listing_id: String(listing), quantity: '1', shipping_address: 'Bench Road 1', form_key: key() });
    place.push(ms(start));
    const id = (await buyer.call('my_orders', {}))[0].id;
    start = process.hrtime.bigint();
    await buyer.call('pay_order', { id: String(id), form_key: key() });
    pay.push(ms(start));
  }
  const line = (name, v) =>
    console.log(`${name.padEnd(12)} n=${v.length}  median ${quantile(v, 0.5).toFixed(2)} ms  p90 ${quantile(v, 0.9).toFixed(2)} ms`);
  line('place order', place);
  line('pay order', pay);
} finally {
  server.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
}
