import { defineConfig } from '@playwright/test';
import { chromium } from '../browser';

// The browser journey through the balancer of cluster.sh, which starts the
// two instances, the balancer and the SMTP server before it runs this
// (`bash end2end/cluster/cluster.sh --check`); nothing is started here.
const baseURL = process.env.CLUSTER_URL ?? 'http://127.0.0.1:3400';

export default defineConfig({
  testDir: '.',
  testMatch: 'journey.spec.ts',
  timeout: 90_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { baseURL, trace: 'retain-on-failure', locale: 'en-US' },
  outputDir: '../test-results/cluster',
  projects: [
    { name: 'hydrated', use: { ...chromium, javaScriptEnabled: true } },
    { name: 'no-js', use: { ...chromium, javaScriptEnabled: false } },
  ],
});
