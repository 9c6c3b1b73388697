import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Browser, expect, Page, TestInfo } from '@playwright/test';

export const PASSWORD = 'a long enough password';

/** A unique email per test run and project, so both projects share one database. */
export function uniqueEmail(testInfo: TestInfo, who: string): string {
  return `${who}.${testInfo.project.name}.${Date.now()}.${testInfo.retry}@example.com`;
}

/** In the hydrated project, waits until the wasm app has taken over the page. */
export async function ready(page: Page, testInfo: TestInfo): Promise<void> {
  if (testInfo.project.name === 'hydrated') {
    await expect(page.locator('body[data-hydrated="true"]')).toHaveCount(1);
  }
}

export async function visit(page: Page, testInfo: TestInfo, url: string): Promise<void> {
  await page.goto(url);
  await ready(page, testInfo);
}

/** A fresh browser context with the project's settings (JavaScript on or off). */
export async function newPage(browser: Browser, testInfo: TestInfo): Promise<Page> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
  });
  return context.newPage();
}

export async function signUp(page: Page, testInfo: TestInfo, email: string, name: string): Promise<void> {
  await visit(page, testInfo, '/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name shown to others').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('member-name')).toHaveText(name);
}

export interface Item {
  title: string;
  price: string;
  stock: string;
}

/** Lists an item as the signed-in member and returns its page's path. */
export async function listItem(page: Page, testInfo: TestInfo, item: Item): Promise<string> {
  await visit(page, testInfo, '/sell');
  await page.getByLabel('Title').fill(item.title);
  await page.getByLabel('Description').fill('In good working order.');
  await page.getByLabel('Category').selectOption('digital');
  await page.getByLabel('Condition').selectOption('used');
  await page.getByLabel('Price (¥)').fill(item.price);
  await page.getByLabel('In stock').fill(item.stock);
  await page.getByRole('button', { name: 'List it' }).click();
  await expect(page).toHaveURL(/\/item\/\d+$/);
  return new URL(page.url()).pathname;
}

/** Runs `escrowmart audit` on the database the test server uses. */
export function runAudit(): string {
  const root = path.resolve(__dirname, '..', '..');
  return execFileSync(path.join(root, 'target', 'release', 'escrowmart'), ['audit'], {
    env: { ...process.env, DATABASE_URL: `sqlite://${process.env.E2E_DATABASE_FILE}`, RUST_LOG: 'error' },
    encoding: 'utf8',
  });
}
