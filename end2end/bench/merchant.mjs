// The merchant API over loopback: create-escrow throughput and latency at
// 16 concurrent connections, then webhook delivery latency from the state
// change (the buyer's payment committed) to the shop's receiver.
//
//   node end2end/bench/merchant.mjs [creates=2000] [webhooks=40]
//
// Starts the release server (target/release/escrowmart) on a fresh SQLite
// file on port 3297 with a webhook receiver on 3296, after setting up a
// merchant with `escrowmart merchant setup`. Build it first: make build.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const creates = Number(process.argv[2] ?? 2000);
const webhooks = Number(process.argv[3] ?? 40);
const connections = 16;
const port = 3297;
const receiverPort = 3296;
const base = `http://127.0.0.1:${port}`;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'target', 'release', 'escrowmart');
const dir = mkdtempSync(path.join(tmpdir(), 'escrowmart-bench-'));
const env = {
  ...process.env,
  DATABASE_URL: `sqlite://${dir}/bench.db`,
  ESCROWMART_MEDIA_DIR: `${dir}/media`,
  ESCROWMART_MERCHANT_PASSWORD: 'benchmark password',
  RUST_LOG: 'error',
};

const setup = execFileSync(bin, ['merchant', 'setup', '--email', 'shop@bench.test', '--webhook-url', `http://127.0.0.1:${receiverPort}/hooks`], { env, encoding: 'utf8' });
const apiKey = /ESCROWMART_API_KEY=(\S+)/.exec(setup)[1];

// escrow id → when its escrow.paid webhook arrived
const arrived = new Map();
const waiting = new Map();
const receiver = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    const at = process.hrtime.bigint();
    const event = JSON.parse(Buffer.concat(chunks).toString());
    if (event.type === 'escrow.paid') {
      arrived.set(event.data.id, at);
      waiting.get(event.data.id)?.();
    }
    response.writeHead(204).end();
  });
});
receiver.listen(receiverPort, '127.0.0.1');

const server = spawn(bin, ['serve'], {
  env: {
    ...env,
    ESCROWMART_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
    ESCROWMART_BANK_DELAY: '50ms',
    ESCROWMART_API_CALLS_PER_MINUTE: '10000000',
    ESCROWMART_POSTS_PER_MINUTE: '10000000',
    ESCROWMART_WEBHOOK_ALLOW_PRIVATE: 'true',
  },
  stdio: 'inherit',
});

const ms = (start, end = process.hrtime.bigint()) => Number(end - start) / 1e6;
const quantile = (values, q) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))];
const key = () => crypto.randomUUID().replaceAll('-', '');

async function createEscrow(n) {
  const response = await fetch(`${base}/api/v1/escrows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': key() },
    body: JSON.stringify({
      out_trade_no: `B-${n}`, amount: '10.00', subject: 'Benchmark tea',
      items: [{ title: 'Longjing, 50 g', quantity: 1, unit_price: '10.00' }],
    }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`create: ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

class Member {
  cookie = '';
  async call(fn, fields) {
    const response = await fetch(`${base}/api/${fn}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie },
      body: new URLSearchParams(fields),
    });
    for (const c of response.headers.getSetCookie?.() ?? []) this.cookie = c.split(';')[0];
    const text = await response.text();
    if (!response.ok) throw new Error(`${fn}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

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
  // Warm up the pool and the caches.
  for (let i = 0; i < 50; i++) await createEscrow(`warm-${i}`);

  const latencies = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: connections }, async () => {
    while (next < creates) {
      const n = next++;
      const t = process.hrtime.bigint();
      await createEscrow(n);
      latencies.push(ms(t));
    }
  }));
  const seconds = ms(started) / 1000;
  console.log(`create escrow, ${connections} connections: ${creates} in ${seconds.toFixed(1)} s = ${(creates / seconds).toFixed(0)} req/s; ` +
    `p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms`);

  const buyer = new Member();
  await buyer.call('sign_up', { email: 'buyer@bench.test', display_name: 'Buyer', password: 'benchmark password' });
  await buyer.call('top_up', { amount: String(webhooks * 10), form_key: key() });
  for (let i = 0; ; i++) {
    const wallet = await buyer.call('get_wallet', {});
    if (wallet.available === `${webhooks * 10}` || Number(String(wallet.available).replace(/[¥,]/g, '')) >= webhooks * 10) break;
    if (i > 100) throw new Error('top-up never arrived');
    await new Promise((r) => setTimeout(r, 100));
  }
  const delays = [];
  for (let i = 0; i < webhooks; i++) {
    const id = await createEscrow(`W-${i}`);
    const delivered = new Promise((resolve) => waiting.set(id, resolve));
    await buyer.call('pay_checkout', { id, with: 'wallet', form_key: key() });
    const committed = process.hrtime.bigint();
    await delivered;
    delays.push(ms(committed, arrived.get(id)));
    // Payments come at random moments, not in step with the worker.
    await new Promise((r) => setTimeout(r, Math.random() * 500));
  }
  console.log(`webhook escrow.paid, payment committed → received (${webhooks}, worker polling every 200 ms): ` +
    `median ${quantile(delays, 0.5).toFixed(0)} ms, p90 ${quantile(delays, 0.9).toFixed(0)} ms`);
} finally {
  server.kill();
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
}
