// Crash under load. Starts the release server, drives simulated members
// through top-up → buy → pay → ship → confirm (some orders left unpaid for
// the timer to cancel, some cancelled by the seller with a full refund)
// over HTTP, and kills the server with SIGKILL at random moments,
// restarting it each time. On PostgreSQL the database itself is also
// restarted once while the app runs, and /healthz must report the outage
// and the recovery. Then it checks:
//   - every answered request is in the database: each order the buyer was
//     told about exists and is in the state its last answered step left it;
//   - nothing happened twice: each order's timeline has exactly its steps,
//     and each buyer has exactly one order per answered purchase;
//   - unpaid orders whose deadline passed (during the downtime too) were
//     cancelled once, and their stock came back once (a timer the killed
//     process had claimed waits out the worker's 10 s lease first);
//   - money agrees with the orders: each wallet = top-ups − what its paid
//     orders took; each listing's stock = start − what its orders keep;
//   - stopped at the end by SIGTERM under load, it answers every request
//     already sent and exits with 0 (a rolling restart loses nothing);
//   - `escrowmart audit` passes.
//
//   node end2end/chaos/chaos.mjs [--crashes 10] [--members 32] [--backend sqlite|postgres]
//
// Build first (make build). A request the crash cut off is sent again with
// the same form key, as a browser resubmitting would; a step without a key
// is checked against the order's state instead.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const crashes = Number(option('crashes', 10));
const memberCount = Number(option('members', 32));
const backend = option('backend', 'sqlite');
const postgresAdmin = process.env.TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const port = Number(option('port', 3280));
const base = `http://127.0.0.1:${port}`;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const bin = path.join(root, 'target', 'release', 'escrowmart');
const dir = mkdtempSync(path.join(tmpdir(), 'escrowmart-chaos-'));
const unpaidTimeoutMs = 3000;
// worker::LEASE_MS: timers claimed by a process killed before firing them
// wait this long after their claim.
const timerLeaseMs = 10000;

let databaseUrl = `sqlite://${dir}/chaos.db`;
let postgresName = null;
if (backend === 'postgres') {
  postgresName = `escrowmart_chaos_${process.pid}`;
  execFileSync('psql', [postgresAdmin, '-qc', `CREATE DATABASE ${postgresName}`]);
  databaseUrl = postgresAdmin.replace(/\/[^/]*$/, `/${postgresName}`);
}

const env = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  ESCROWMART_MEDIA_DIR: `${dir}/media`,
  ESCROWMART_ADDR: `127.0.0.1:${port}`,
  LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
  // Fixed secrets, so what one process signed the next one accepts.
  ESCROWMART_SECRET: 'chaos-secret-chaos-secret-chaos-secret',
  ESCROWMART_BANK_SECRET: 'chaos-bank-secret',
  ESCROWMART_BANK_DELAY: '150ms',
  ESCROWMART_UNPAID_TIMEOUT: `${unpaidTimeoutMs}ms`,
  ESCROWMART_TIMER_TICK: '200ms',
  ESCROWMART_SIGN_UPS_PER_HOUR: '100000',
  ESCROWMART_POSTS_PER_MINUTE: '1000000',
  ESCROWMART_MERCHANT_PASSWORD: 'chaos password',
  RUST_LOG: 'warn,sqlx=error,sea_orm=error',
};

const stats = { requests: 0, cutOff: 0, serverErrors: 0, answered: 0, crashes: 0, checks: 0 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const random = (low, high) => low + Math.random() * (high - low);
const key = () => crypto.randomUUID().replaceAll('-', '');
const fen = (money) => Math.round(Number(String(money).replace(/[^0-9.-]/g, '')) * 100);
const stateName = (state) => String(state).replaceAll('_', '').toLowerCase();

// ---- the server under test ----------------------------------------------
const log = createWriteStream(path.join(dir, 'server.log'));
let server = null;
function startServer() {
  server = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.pipe(log, { end: false });
}
async function healthStatus() {
  try {
    return (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) })).status;
  } catch {
    return 0;
  }
}
async function waitHealthy() {
  for (let i = 0; i < 600; i++) {
    if ((await healthStatus()) === 200) return;
    await sleep(50);
  }
  throw new Error(`server did not come up; see ${dir}/server.log`);
}
// Stops the server the way a rolling restart does (SIGTERM) while members'
// requests are in flight: each must be answered, and the process must exit
// cleanly. Returns how many were sent and how many were answered only after
// the signal (drained rather than cut off).
async function stopUnderLoad(members) {
  const exited = new Promise((r) => server.once('exit', (code, signal) => r({ code, signal })));
  let signalledAt = Infinity;
  const inFlight = members.flatMap((member) =>
    ['my_orders', 'get_wallet', 'my_orders', 'get_wallet'].map(async (fn) => {
      const answer = await member.call(fn, {});
      return { ...answer, after: Date.now() > signalledAt };
    }),
  );
  // Short enough to catch requests being served. Some connections may not
  // be accepted yet (on a busy machine 2 of 48 were not after 30 ms): the
  // server's drain window (ESCROWMART_DRAIN, 1 s) goes on accepting them.
  await sleep(30);
  signalledAt = Date.now();
  server.kill('SIGTERM');
  // Within the drain window the health check tells a balancer to go.
  await sleep(100);
  const health = await healthStatus();
  check(health === 503, `SIGTERM: /healthz answered ${health} while draining, not 503`);
  const answers = await Promise.allSettled(inFlight);
  const stop = await Promise.race([exited, sleep(10000).then(() => null)]);
  check(stop?.code === 0, `SIGTERM: the server did not exit cleanly within 10 s: ${JSON.stringify(stop)}`);
  const unanswered = answers.filter((a) => a.status === 'rejected' || a.value.status !== 200);
  check(unanswered.length === 0, `SIGTERM: ${unanswered.length} of ${answers.length} requests sent before it were not answered`);
  if (stop === null) await killServer();
  return { sent: answers.length, drained: answers.filter((a) => a.status === 'fulfilled' && a.value.after).length };
}
async function killServer() {
  const exited = new Promise((r) => server.once('exit', r));
  server.kill('SIGKILL');
  await exited;
}

// ---- members over HTTP ----------------------------------------------------
class CutOff extends Error {}
class Member {
  cookie = '';
  constructor(email) {
    this.email = email;
  }
  async call(fn, fields) {
    stats.requests++;
    let response;
    try {
      response = await fetch(`${base}/api/${fn}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.cookie },
        body: new URLSearchParams(fields),
        signal: AbortSignal.timeout(15000),
      });
    } catch {
      stats.cutOff++;
      throw new CutOff(fn);
    }
    for (const c of response.headers.getSetCookie?.() ?? []) this.cookie = c.split(';')[0];
    let text;
    try {
      text = await response.text();
    } catch {
      stats.cutOff++;
      throw new CutOff(fn);
    }
    if (response.status >= 500) stats.serverErrors++;
    return { status: response.status, body: text ? safeJson(text) : null };
  }
  // Sends until there is an answer that is not a crash: the same fields,
  // so a keyed form is the same submission. `ambiguous`: an earlier try
  // may have been applied without its answer arriving.
  async reliably(fn, fields) {
    let ambiguous = false;
    for (let attempt = 0; attempt < 600; attempt++) {
      try {
        const answer = await this.call(fn, fields);
        if (answer.status < 500) {
          if (answer.status < 300) stats.answered++;
          return { ...answer, ambiguous };
        }
      } catch (e) {
        if (!(e instanceof CutOff)) throw e;
      }
      ambiguous = true;
      await sleep(100);
    }
    throw new Error(`${fn} never answered`);
  }
  async read(fn, fields = {}) {
    const answer = await this.reliably(fn, fields);
    if (answer.status !== 200) throw new Error(`${this.email} ${fn}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  }
}
function safeJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// ---- the workload -----------------------------------------------------------
const sellers = [];
const listings = []; // { id, seller, priceFen, stockAtStart }
const buyers = []; // { member, orders: [{ id, listing, quantity, amountFen, expect, steps }] }
let stopping = false;

async function topUp(buyer) {
  const before = fen((await buyer.member.read('get_wallet')).available);
  const answer = await buyer.member.reliably('top_up', { amount: '500.00', form_key: key() });
  if (answer.status !== 200) throw new Error(`top-up refused: ${JSON.stringify(answer.body)}`);
  // The bank calls back after 150 ms; a crash in between loses the
  // callback (the simulated bank lives in the process), and the top-up
  // stays pending, moving nothing.
  for (let i = 0; i < 30; i++) {
    if (fen((await buyer.member.read('get_wallet')).available) > before) return;
    await sleep(100);
  }
}

// A step without a form key: a refusal after a cut-off try means the
// earlier try went through if the order is now where the step leads.
async function step(member, fn, fields, orderId, leadsTo) {
  const answer = await member.reliably(fn, fields);
  if (answer.status === 200) return true;
  if (answer.ambiguous) {
    const order = await member.read('get_order', { id: String(orderId) });
    return leadsTo.includes(stateName(order.state));
  }
  return false;
}

async function purchase(buyer) {
  const wallet = fen((await buyer.member.read('get_wallet')).available);
  if (wallet < 20000) await topUp(buyer);
  const listing = listings[Math.floor(Math.random() * listings.length)];
  const quantity = Math.random() < 0.3 ? 2 : 1;
  const placed = await buyer.member.reliably('place_order', {
    listing_id: String(listing.id),
    quantity: String(quantity),
    shipping_address: '1 Chaos Lane, Shenzhen',
    form_key: key(),
  });
  if (placed.status !== 200) throw new Error(`place refused: ${JSON.stringify(placed.body)}`);
  const mine = await buyer.member.read('my_orders');
  const id = Math.max(...mine.map((o) => o.id));
  const order = { id, listing, quantity, amountFen: listing.priceFen * quantity, expect: 'cancelled', steps: 2 };
  buyer.orders.push(order);
  if (Math.random() < 0.15) return; // left unpaid: the timer cancels it
  const paid = await buyer.member.reliably('pay_order', { id: String(id), form_key: key() });
  if (paid.status !== 200) return; // not enough in the wallet: the timer cancels it
  Object.assign(order, { expect: 'paid', steps: 2 });
  const seller = listing.seller;
  if (Math.random() < 0.2) {
    if (await step(seller, 'seller_cancel_order', { id: String(id) }, id, ['refunded'])) {
      Object.assign(order, { expect: 'refunded', steps: 3 });
    }
    return;
  }
  const shipment = { id: String(id), carrier: 'SF Express', tracking: `SF${id}` };
  if (!(await step(seller, 'ship_order', shipment, id, ['shipped', 'completed']))) return;
  Object.assign(order, { expect: 'shipped', steps: 3 });
  const confirmed = await buyer.member.reliably('confirm_receipt', { id: String(id), received: 'yes', form_key: key() });
  if (confirmed.status === 200) Object.assign(order, { expect: 'completed', steps: 4 });
}

async function shopper(buyer) {
  while (!stopping) await purchase(buyer);
}

// ---- the run ------------------------------------------------------------------
function audit() {
  try {
    return { passed: true, text: execFileSync(bin, ['audit'], { env, encoding: 'utf8' }) };
  } catch (e) {
    return { passed: false, text: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const problems = [];
const check = (ok, what) => {
  stats.checks++;
  if (!ok) problems.push(what);
};

try {
  const sellerCount = Math.max(2, Math.floor(memberCount / 4));
  for (let i = 0; i < sellerCount; i++) {
    // Confirmed members, so they may list at once.
    execFileSync(bin, ['merchant', 'setup', '--email', `seller${i}@chaos.test`, '--name', `Seller ${i}`], { env, stdio: 'ignore' });
  }
  startServer();
  await waitHealthy();
  for (let i = 0; i < sellerCount; i++) {
    const seller = new Member(`seller${i}@chaos.test`);
    await seller.read('sign_in', { email: seller.email, password: env.ESCROWMART_MERCHANT_PASSWORD });
    const price = `${12 + i}.50`;
    await seller.read('create_listing', {
      title: `Chaos teapot ${i}`, description: 'Survives crashes', category: 'daily-goods', condition: 'new', price, stock: '100000',
    });
    const [listing] = await seller.read('my_listings');
    sellers.push(seller);
    listings.push({ id: listing.id, seller, priceFen: fen(price), stockAtStart: 100000 });
  }
  for (let i = 0; i < memberCount - sellerCount; i++) {
    const member = new Member(`buyer${i}@chaos.test`);
    await member.read('sign_up', { email: member.email, display_name: `Buyer ${i}`, password: 'chaos password' });
    buyers.push({ member, orders: [] });
  }

  const shoppers = buyers.map(shopper);
  let databaseRestart = null;
  for (let n = 1; n <= crashes; n++) {
    await sleep(random(1500, 4000));
    await killServer();
    stats.crashes++;
    // Now and then down for longer than the unpaid deadline, so timers
    // fall due while nothing runs and must fire once after the restart.
    await sleep(n % 3 === 0 ? unpaidTimeoutMs + 500 : random(200, 1200));
    startServer();
    await waitHealthy();
    if (backend === 'postgres' && n === Math.ceil(crashes / 2)) {
      databaseRestart = await restartPostgres();
    }
  }
  await sleep(2000);
  stopping = true;
  await Promise.all(shoppers);
  // Unpaid orders placed last need their deadline and a worker round; a
  // timer claimed by the last killed process, its lease too.
  await sleep(unpaidTimeoutMs + timerLeaseMs + 1500);

  let orderCount = 0;
  for (const buyer of buyers) {
    const mine = await buyer.member.read('my_orders');
    check(mine.length === buyer.orders.length, `${buyer.member.email} has ${mine.length} orders, made ${buyer.orders.length} purchases`);
    const byId = new Map(mine.map((o) => [o.id, o]));
    let spentFen = 0;
    for (const order of buyer.orders) {
      orderCount++;
      const found = byId.get(order.id);
      check(found, `order ${order.id} answered but missing`);
      if (!found) continue;
      const state = stateName(found.state);
      check(state === order.expect, `order ${order.id} is ${state}, its last answered step left it ${order.expect}`);
      const view = await buyer.member.read('get_order', { id: String(order.id) });
      check(view.timeline.length === order.steps, `order ${order.id} (${state}) has ${view.timeline.length} timeline lines, not ${order.steps}`);
      if (['paid', 'shipped', 'completed'].includes(state)) spentFen += order.amountFen;
    }
    const wallet = await buyer.member.read('get_wallet');
    const toppedUpFen = wallet.statement.filter((row) => row.incoming && row.order_id == null).reduce((sum, row) => sum + fen(row.change), 0);
    check(fen(wallet.available) === toppedUpFen - spentFen, `${buyer.member.email}: wallet ${wallet.available}, top-ups ${toppedUpFen / 100} − spent ${spentFen / 100}`);
  }
  for (const listing of listings) {
    const kept = buyers.flatMap((b) => b.orders).filter((o) => o.listing === listing && ['paid', 'shipped', 'completed'].includes(o.expect));
    const expected = listing.stockAtStart - kept.reduce((sum, o) => sum + o.quantity, 0);
    const detail = await listing.seller.read('get_listing', { id: String(listing.id) });
    check(detail.listing.stock === expected, `listing ${listing.id} stock ${detail.listing.stock}, expected ${expected}`);
  }
  if (databaseRestart) {
    check(databaseRestart.sawOutage, 'healthz never reported the database outage');
    check(databaseRestart.recovered, 'healthz never reported the recovery');
  }
  const stopped = await stopUnderLoad(buyers.map((b) => b.member));
  const audited = audit();
  check(audited.passed, `audit failed:\n${audited.text}`);
  const states = {};
  for (const o of buyers.flatMap((b) => b.orders)) states[o.expect] = (states[o.expect] ?? 0) + 1;
  console.log(
    `${backend}: ${stats.requests} requests (${stats.answered} answered successes, ${stats.cutOff} cut off by a crash, ` +
      `${stats.serverErrors} server errors), ${stats.crashes} crashes survived` +
      (databaseRestart ? `, database restarted once (healthz down ${databaseRestart.downMs} ms)` : '') +
      `; stopped by SIGTERM with ${stopped.sent} requests sent, ${stopped.drained} answered after the signal` +
      `; ${orderCount} orders ${JSON.stringify(states)}; ${stats.checks} invariant checks, ${problems.length} failed`,
  );
  if (problems.length) {
    console.error(problems.slice(0, 40).join('\n'));
    console.error(`server log: ${dir}/server.log`);
    process.exitCode = 1;
  } else {
    console.log(audited.text.trim().split('\n').at(-1));
  }
} catch (e) {
  console.error(e);
  console.error(`server log: ${dir}/server.log`);
  process.exitCode = 1;
} finally {
  stopping = true;
  if (server && server.exitCode === null) server.kill('SIGKILL');
  if (postgresName) {
    try {
      execFileSync('psql', [postgresAdmin, '-qc', `DROP DATABASE IF EXISTS ${postgresName} WITH (FORCE)`]);
    } catch {}
  }
  if (!process.exitCode) rmSync(dir, { recursive: true, force: true });
}

// Restarts the PostgreSQL cluster under the running app and watches
// /healthz go 503 and come back to 200.
async function restartPostgres() {
  const cluster = execFileSync('bash', ['-c', 'ls /etc/postgresql | head -1'], { encoding: 'utf8' }).trim();
  let sawOutage = false;
  let watching = true;
  const started = Date.now();
  let downSince = null;
  let downMs = 0;
  const watcher = (async () => {
    while (watching) {
      const status = await healthStatus();
      if (status === 503) {
        sawOutage = true;
        downSince ??= Date.now();
      } else if (status === 200 && downSince) {
        downMs = Date.now() - downSince;
        downSince = null;
      }
      await sleep(20);
    }
  })();
  // Stop, stay down a moment (so the outage is seen), start again.
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'stop', '-m', 'fast']);
  await sleep(1500);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', cluster, 'main', 'start']);
  let recovered = false;
  for (let i = 0; i < 300 && !recovered; i++) {
    recovered = sawOutage && (await healthStatus()) === 200 && downSince === null;
    await sleep(100);
  }
  watching = false;
  await watcher;
  return { sawOutage, recovered, downMs, tookMs: Date.now() - started };
}
