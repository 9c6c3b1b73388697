import { defineConfig } from '@playwright/test';
import * as path from 'node:path';
import { chromium } from './browser';
import { teaShopEmail, teaShopPassword, teaShopPort } from './tests/helpers';

// One release server on a fresh SQLite file per run, started here so that
// the browser tests need nothing but a built binary (`make test` builds it).
const port = Number(process.env.E2E_PORT ?? 3210);
const baseURL = `http://127.0.0.1:${port}`;
const root = path.resolve(__dirname, '..');
// Set once by the runner; its workers inherit it, so all agree on the file.
process.env.E2E_DATABASE_FILE ??= path.join(__dirname, '.tmp', `e2e-${process.pid}.db`);
const databaseFile = process.env.E2E_DATABASE_FILE;
// Where the test SMTP server (aiosmtpd) writes what the app sends, as a
// Maildir the tests read links from.
process.env.E2E_MAILDIR ??= `${databaseFile}.mail`;
const maildir = process.env.E2E_MAILDIR;
const smtpPort = Number(process.env.E2E_SMTP_PORT ?? 3212);
// The outside shop of examples/tea-shop, set up as a merchant on the fresh
// database before the server starts; it reads its key and webhook secret
// from this file once it is complete (written aside, then moved).
const teaEnv = `${databaseFile}.tea.env`;
const escrowmart = `${root}/target/release/escrowmart`;

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  // The journeys read English; the language tests choose their own.
  use: { baseURL, trace: 'retain-on-failure', locale: 'en-US' },
  projects: [
    { name: 'hydrated', use: { ...chromium, javaScriptEnabled: true } },
    { name: 'no-js', use: { ...chromium, javaScriptEnabled: false } },
  ],
  webServer: [{
    command:
      `mkdir -p .tmp && rm -f ${databaseFile}* && ` +
      `${escrowmart} merchant setup --email ${teaShopEmail} --name 'Tea House' ` +
      `--webhook-url http://127.0.0.1:${teaShopPort}/webhooks/escrowmart > ${teaEnv}.part && ` +
      `mv ${teaEnv}.part ${teaEnv} && exec ${escrowmart} serve`,
    cwd: __dirname,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    env: {
      ESCROWMART_MERCHANT_PASSWORD: teaShopPassword,
      DATABASE_URL: `sqlite://${databaseFile}`,
      ESCROWMART_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
      LEPTOS_ENV: 'PROD',
      ESCROWMART_MEDIA_DIR: path.join(__dirname, '.tmp', 'media'),
      RUST_LOG: 'warn',
      // Short deadlines and a quick bank, so journeys take seconds.
      ESCROWMART_UNPAID_TIMEOUT: '8s',
      ESCROWMART_TIMER_TICK: '250ms',
      ESCROWMART_BANK_DELAY: '300ms',
      ESCROWMART_BANK_DUPLICATE_EVERY: '2',
      // Every journey signs up and signs in from this one address; the
      // per-account limit keeps its production value and is tested.
      ESCROWMART_SIGN_UPS_PER_HOUR: '100000',
      ESCROWMART_SIGN_IN_FAILURES_PER_ADDRESS: '100000',
      ESCROWMART_POSTS_PER_MINUTE: '100000',
      // The tea shop listens on loopback.
      ESCROWMART_WEBHOOK_ALLOW_PRIVATE: 'true',
      ESCROWMART_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      ESCROWMART_MAIL_POLL: '100ms',
    },
  }, {
    // A real SMTP server for the app's e-mail (installed by .ci/install-tools).
    command:
      `rm -rf ${maildir} && exec ${root}/end2end/.venv/bin/python -m aiosmtpd -n ` +
      `-l 127.0.0.1:${smtpPort} -c aiosmtpd.handlers.Mailbox ${maildir}`,
    cwd: __dirname,
    port: smtpPort,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'pipe',
  }, {
    command:
      `while [ ! -s ${teaEnv} ]; do sleep 0.2; done; set -a; . ${teaEnv}; set +a; ` +
      `exec ${root}/target/release/tea-shop`,
    cwd: __dirname,
    url: `http://127.0.0.1:${teaShopPort}/healthz`,
    reuseExistingServer: false,
    timeout: 90_000,
    stdout: 'pipe',
    env: {
      ESCROWMART_URL: baseURL,
      TEA_SHOP_ADDR: `127.0.0.1:${teaShopPort}`,
    },
  }],
});
