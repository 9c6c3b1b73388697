// Work that the instances share is done once. Run by `cluster.sh --check`
// against two running instances behind the balancer. Members work through
// the balancer (so consecutive requests land on alternate instances):
//   - top-ups whose bank callback arrives twice, through the balancer
//     (ESCROWMART_BANK_DUPLICATE_EVERY=1): each wallet is credited once;
//   - orders left unpaid: both instances' timer workers poll the same
//     timers, each order is cancelled once and its stock comes back once;
//   - merchant escrows paid by members: the shop's receiver gets each
//     webhook event once (by its webhook-id);
//   - e-mails (sign-up confirmations, order notices): the SMTP server's
//     Maildir holds each message once (by Message-ID).
// Each instance's /metrics (read directly, with the token) says how much of
// that work it did; the sums must equal what arrived, so no work was done
// twice and the print shows how the two shared it.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (cluster.sh sets it)`);
  return value;
};
const base = env('CLUSTER_URL');
const instances = Object.fromEntries(env('CLUSTER_INSTANCES').split(',').map((pair) => pair.split('=')));
const metricsToken = env('ESCROWMART_METRICS_TOKEN');
const apiKey = env('MERCHANT_API_KEY');
const sellerEmail = env('MERCHANT_EMAIL');
const sellerPassword = env('ESCROWMART_MERCHANT_PASSWORD');
const receiverPort = Number(env('RECEIVER_PORT'));
const maildir = env('E2E_MAILDIR');
const unpaidTimeoutMs = Number(env('UNPAID_TIMEOUT_MS'));

const buyerCount = 6;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const key = () => crypto.randomUUID().replaceAll('-', '');
const fen = (money) => Math.round(Number(String(money).replace(/[^0-9.-]/g, '')) * 100);

const problems = [];
const check = (ok, what) => {
  if (!ok) problems.push(what);
};

// The shop's webhook receiver: every delivery by its webhook-id.
const deliveries = new Map(); // webhook-id → { type, escrow, count }
const receiver = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (c) => chunks.push(c));
  request.on('end', () => {
    const id = request.headers['webhook-id'];
    const event = JSON.parse(Buffer.concat(chunks).toString());
    const seen = deliveries.get(id) ?? { type: event.type, escrow: event.data?.id, count: 0 };
    seen.count++;
    deliveries.set(id, seen);
    response.writeHead(204).end();
  });
});
await new Promise((r) => receiver.listen(receiverPort, '127.0.0.1', r));

class Member {
  // Every cookie, as a browser keeps them: the session, and after a write
  // the one that sends reads to the primary while a replica serves.
  cookies = new Map();
  constructor(email) {
    this.email = email;
  }
  async call(fn, fields = {}) {
    const response = await fetch(`${base}/api/${fn}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      },
      body: new URLSearchParams(fields),
    });
    for (const c of response.headers.getSetCookie?.() ?? []) {
      const [name, value] = c.split(';')[0].split('=');
      this.cookies.set(name.trim(), value.trim());
    }
    const text = await response.text();
    if (!response.ok) throw new Error(`${this.email} ${fn}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
}

async function createEscrow(reference, amount) {
  const response = await fetch(`${base}/api/v1/escrows`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'idempotency-key': key() },
    body: JSON.stringify({
      out_trade_no: reference, amount, subject: 'Cluster tea',
      items: [{ title: 'Longjing, 50 g', quantity: 1, unit_price: amount }],
    }),
  });
  const body = await response.json();
  if (response.status !== 201) throw new Error(`create escrow: ${response.status} ${JSON.stringify(body)}`);
  return body.id;
}

/** Each instance's counters, straight from its own /metrics. */
async function counters(url) {
  const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  if (!response.ok) throw new Error(`${url}/metrics: ${response.status}`);
  const values = {};
  for (const line of (await response.text()).split('\n')) {
    const match = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) values[match[1]] = Number(match[2]);
  }
  return values;
}
async function everyInstance() {
  const out = {};
  for (const [name, url] of Object.entries(instances)) out[name] = await counters(url);
  return out;
}
const sum = (perInstance, series) => Object.values(perInstance).reduce((total, values) => total + (values[series] ?? 0), 0);
const split = (perInstance, series) =>
  Object.entries(perInstance).map(([name, values]) => `${name} ${values[series] ?? 0}`).join(', ');

/** Every message in the Maildir, by Message-ID. */
function mails() {
  const ids = [];
  for (const sub of ['new', 'cur']) {
    const folder = path.join(maildir, sub);
    let files = [];
    try {
      files = readdirSync(folder);
    } catch {}
    for (const file of files) {
      const head = readFileSync(path.join(folder, file), 'latin1').split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
      ids.push((/^Message-ID:\s*(\S+)/im.exec(head) ?? [])[1] ?? `(none in ${file})`);
    }
  }
  return ids;
}

try {
  const seller = new Member(sellerEmail);
  await seller.call('sign_in', { email: sellerEmail, password: sellerPassword });
  const stockAtStart = 1000;
  await seller.call('create_listing', {
    title: 'Cluster teapot', description: 'Sold by two instances', category: 'daily-goods', condition: 'new', price: '12.50', stock: String(stockAtStart),
  });
  const listing = (await seller.call('my_listings')).find((l) => l.title === 'Cluster teapot');

  const buyers = [];
  for (let i = 0; i < buyerCount; i++) {
    const member = new Member(`buyer${i}.${Date.now()}@cluster.test`);
    await member.call('sign_up', { email: member.email, display_name: `Cluster buyer ${i}`, password: 'cluster password' });
    buyers.push({ member, unpaid: [], paid: [], escrows: [] });
  }

  // Top-ups, all at once, each callback arriving twice.
  await Promise.all(buyers.map((b) => b.member.call('top_up', { amount: '200.00', form_key: key() })));
  for (const buyer of buyers) {
    for (let i = 0; fen((await buyer.member.call('get_wallet')).available) < 20000; i++) {
      if (i > 150) throw new Error(`${buyer.member.email}: the top-up never arrived`);
      await sleep(100);
    }
  }

  // Orders (one of three left unpaid) and merchant escrows, all buyers at
  // once, spread over a few seconds so both timer workers find due timers.
  await Promise.all(buyers.map(async (buyer, i) => {
    for (let n = 0; n < 3; n++) {
      await buyer.member.call('place_order', { listing_id: String(listing.id), quantity: '1', shipping_address: '1 Cluster Road', form_key: key() });
      const id = Math.max(...(await buyer.member.call('my_orders')).map((o) => o.id));
      if (n === 1) {
        buyer.unpaid.push(id);
      } else {
        await buyer.member.call('pay_order', { id: String(id), form_key: key() });
        buyer.paid.push(id);
      }
      const escrow = await createEscrow(`C-${i}-${n}`, '10.00');
      await buyer.member.call('pay_checkout', { id: escrow, with: 'wallet', form_key: key() });
      buyer.escrows.push(escrow);
      await sleep(300 + Math.random() * 700);
    }
  }));

  // The last unpaid deadline, a few worker rounds, then the outboxes empty.
  await sleep(unpaidTimeoutMs + 1500);
  let metrics;
  for (let i = 0; ; i++) {
    metrics = await everyInstance();
    // Gauges read from the shared database: any instance's will do.
    const gauges = Object.values(metrics)[0];
    const pending = ['escrowmart_timers_due', 'escrowmart_mail_outbox_depth', 'escrowmart_webhook_outbox_depth'].map((g) => gauges[g]);
    if (pending.every((n) => n === 0)) {
      // A counter goes up just after its outbox row is marked done.
      await sleep(500);
      metrics = await everyInstance();
      break;
    }
    // A mail the SMTP server refused for the moment is retried after a
    // minute (mail::RETRY_SCHEDULE_MS), so the wait allows one retry.
    if (i === 50) console.log(`still waiting after 10 s: timers due, mails, webhooks = ${pending}`);
    if (i > 400) {
      const attempts = Object.entries(metrics).map(([name, values]) =>
        `${name}: ${Object.entries(values).filter(([series]) => /_attempts_total/.test(series)).map(([series, n]) => `${series} ${n}`).join(', ')}`);
      throw new Error(`work never finished: timers due, mails, webhooks = ${pending}\n${attempts.join('\n')}`);
    }
    await sleep(200);
  }

  // Wallets: 200 from the bank once, less what the paid orders and escrows took.
  for (const buyer of buyers) {
    const wallet = await buyer.member.call('get_wallet');
    const expected = 20000 - buyer.paid.length * 1250 - buyer.escrows.length * 1000;
    check(fen(wallet.available) === expected, `${buyer.member.email}: wallet ${wallet.available}, expected ${expected / 100}`);
    const topUps = wallet.statement.filter((row) => row.incoming && row.order_id == null);
    check(topUps.length === 1, `${buyer.member.email}: ${topUps.length} top-up lines on the statement`);
    for (const id of buyer.unpaid) {
      const order = await buyer.member.call('get_order', { id: String(id) });
      check(String(order.state).toLowerCase() === 'cancelled', `order ${id} is ${order.state}, not cancelled`);
      check(order.timeline.length === 2, `order ${id} has ${order.timeline.length} timeline lines, not 2 (placed, cancelled)`);
    }
  }
  const unpaid = buyers.reduce((n, b) => n + b.unpaid.length, 0);
  const kept = buyers.reduce((n, b) => n + b.paid.length, 0);
  const detail = await seller.call('get_listing', { id: String(listing.id) });
  check(detail.listing.stock === stockAtStart - kept, `stock ${detail.listing.stock}, expected ${stockAtStart - kept}`);
  const timerCancels = 'escrowmart_order_events_total{event="timeout_unpaid"}';
  check(sum(metrics, timerCancels) === unpaid, `the timer workers cancelled ${sum(metrics, timerCancels)} orders, ${unpaid} were left unpaid`);

  // Webhooks: each event once, each paid escrow's event among them.
  const twice = [...deliveries].filter(([, d]) => d.count > 1);
  check(twice.length === 0, `webhook events delivered more than once: ${JSON.stringify(twice)}`);
  const paidEvents = new Set([...deliveries.values()].filter((d) => d.type === 'escrow.paid').map((d) => d.escrow));
  const escrows = buyers.flatMap((b) => b.escrows);
  check(escrows.every((id) => paidEvents.has(id)), `escrow.paid arrived for ${paidEvents.size} of ${escrows.length} escrows`);
  const delivered = 'escrowmart_webhook_attempts_total{outcome="delivered"}';
  check(sum(metrics, delivered) === deliveries.size, `instances delivered ${sum(metrics, delivered)} webhooks, the shop received ${deliveries.size} events`);

  // E-mails: each message once; the instances together sent exactly those.
  const ids = mails();
  const distinct = new Set(ids);
  check(distinct.size === ids.length, `${ids.length - distinct.size} e-mails arrived twice`);
  const sent = 'escrowmart_mail_attempts_total{outcome="sent"}';
  check(sum(metrics, sent) === ids.length, `instances sent ${sum(metrics, sent)} e-mails, the Maildir holds ${ids.length}`);

  console.log(
    `once: ${buyerCount} top-ups with doubled callbacks credited once; ${unpaid} unpaid orders cancelled once ` +
      `(by instance: ${split(metrics, timerCancels)}); ${deliveries.size} webhook events each received once ` +
      `(${split(metrics, delivered)}); ${ids.length} e-mails each received once (${split(metrics, sent)}); ` +
      `${problems.length} problems`,
  );
} catch (e) {
  problems.push(String(e?.stack ?? e));
} finally {
  receiver.close();
  receiver.closeAllConnections?.();
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
