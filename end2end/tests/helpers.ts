import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Browser, expect, Page, TestInfo } from '@playwright/test';

export const PASSWORD = 'a long enough password';

/** The example shop (examples/tea-shop) the config starts beside the app. */
export const teaShopPort = Number(process.env.E2E_TEA_SHOP_PORT ?? 3211);
export const teaShopUrl = `http://127.0.0.1:${teaShopPort}`;
export const teaShopEmail = 'tea@shop.example';
export const teaShopPassword = 'the tea house password';

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

/** A fresh browser context with the project's settings (JavaScript on or off, the language it prefers). */
export async function newPage(browser: Browser, testInfo: TestInfo, locale?: string): Promise<Page> {
  const context = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
    locale: locale ?? testInfo.project.use.locale,
  });
  return context.newPage();
}

/** Signs up and, for a member who will sell or withdraw, confirms the address by the link mailed to it. */
export async function signUp(page: Page, testInfo: TestInfo, email: string, name: string, confirm = false): Promise<void> {
  await visit(page, testInfo, '/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name shown to others').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('member-name')).toHaveText(name);
  if (confirm) {
    await confirmEmail(page, testInfo, email);
  }
}

/** Opens the confirmation link mailed to `email` and presses its button. */
export async function confirmEmail(page: Page, testInfo: TestInfo, email: string): Promise<void> {
  await visit(page, testInfo, await mailedLink(email, '/verify-email'));
  await page.getByRole('button', { name: /Confirm my address|确认我的邮箱/ }).click();
  await expect(page.getByTestId('email-confirmed')).toBeVisible();
}

/** A message the app sent, as the test SMTP server wrote it down. */
export interface Mail {
  to: string;
  subject: string;
  body: string;
}

/** Every message received so far (the Maildir of aiosmtpd), oldest first. */
export function mailbox(): Mail[] {
  const dir = process.env.E2E_MAILDIR ?? '';
  const files = ['new', 'cur'].flatMap((sub) => {
    const folder = path.join(dir, sub);
    return fs.existsSync(folder) ? fs.readdirSync(folder).map((f) => path.join(folder, f)) : [];
  });
  return files
    .map((file) => ({ file, at: fs.statSync(file).mtimeMs }))
    .sort((a, b) => a.at - b.at)
    .map(({ file }) => parseMail(fs.readFileSync(file)));
}

/**
 * The headers and text of a single-part message, as lettre writes them:
 * 7bit, quoted-printable or base64, with RFC 2047 encoded subjects.
 */
function parseMail(raw: Buffer): Mail {
  const text = raw.toString('latin1');
  const split = text.search(/\r?\n\r?\n/);
  const head = text.slice(0, split).replace(/\r?\n[ \t]+/g, ' ');
  const rawBody = text.slice(split).replace(/^\r?\n\r?\n/, '');
  const header = (name: string) => (head.match(new RegExp(`^${name}:\\s*(.*)$`, 'mi')) ?? [])[1] ?? '';
  const encoding = header('Content-Transfer-Encoding').toLowerCase();
  let bytes: Buffer;
  if (encoding === 'base64') {
    bytes = Buffer.from(rawBody.replace(/\s+/g, ''), 'base64');
  } else if (encoding === 'quoted-printable') {
    bytes = quotedPrintable(rawBody);
  } else {
    bytes = Buffer.from(rawBody, 'latin1');
  }
  const subject = header('Subject').replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_, kind: string, data: string) =>
    kind.toLowerCase() === 'b' ? Buffer.from(data, 'base64').toString('utf8') : quotedPrintable(data.replace(/_/g, ' ')).toString('utf8'),
  );
  const to = (header('To').match(/<([^>]+)>/) ?? [null, header('To')])[1]?.trim() ?? '';
  return { to, subject: subject.trim(), body: bytes.toString('utf8') };
}

function quotedPrintable(text: string): Buffer {
  const joined = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(joined.charCodeAt(i));
    }
  }
  return Buffer.from(bytes);
}

/** The path and query of the newest link to `linkPath` mailed to `email` (waits for the mail to arrive). */
export async function mailedLink(email: string, linkPath: string): Promise<string> {
  let found = '';
  await expect(async () => {
    const mails = mailbox().filter((m) => m.to.toLowerCase() === email.toLowerCase());
    const links = mails.flatMap((m) => [...m.body.matchAll(/https?:\/\/[^\s]+/g)].map((x) => x[0]));
    const link = links.reverse().find((l) => new URL(l).pathname === linkPath);
    expect(link, `a mail to ${email} linking to ${linkPath}`).toBeTruthy();
    const url = new URL(link ?? '');
    found = `${url.pathname}${url.search}`;
  }).toPass({ timeout: 15_000 });
  return found;
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

/** Runs the `escrowmart` command line on the database the test server uses. */
export function escrowmart(...args: string[]): string {
  const root = path.resolve(__dirname, '..', '..');
  return execFileSync(path.join(root, 'target', 'release', 'escrowmart'), args, {
    env: { ...process.env, DATABASE_URL: `sqlite://${process.env.E2E_DATABASE_FILE}`, RUST_LOG: 'error' },
    encoding: 'utf8',
  });
}

/** Runs `escrowmart audit`; it exits non-zero (and this throws) when an invariant fails. */
export function runAudit(): string {
  return escrowmart('audit');
}

/** Tops up the signed-in member's wallet through the simulated bank and waits for it. */
export async function topUp(page: Page, testInfo: TestInfo, amount: string, shown: string): Promise<void> {
  await visit(page, testInfo, '/wallet');
  await page.getByLabel('Amount (¥)').first().fill(amount);
  await page.getByRole('button', { name: 'Top up' }).click();
  await expect(async () => {
    await visit(page, testInfo, '/wallet');
    await expect(page.getByTestId('available')).toHaveText(shown, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
}

export interface Deal {
  seller: Page;
  buyer: Page;
  orderPath: string;
  itemPath: string;
  sellerName: string;
}

/**
 * A seller lists at ¥100.00; a buyer tops up, buys and pays; the seller
 * ships (unless told not to). `watch` sees each new page before it loads
 * anything.
 */
export async function paidDeal(browser: Browser, testInfo: TestInfo, label: string, ship = true, watch?: (page: Page) => void): Promise<Deal> {
  const seller = await newPage(browser, testInfo);
  watch?.(seller);
  const sellerName = `Seller ${label} ${testInfo.project.name}`;
  await signUp(seller, testInfo, uniqueEmail(testInfo, `seller-${label}`), sellerName, true);
  const itemPath = await listItem(seller, testInfo, { title: `${label} ${testInfo.project.name} ${Date.now()}`, price: '100.00', stock: '3' });

  const buyer = await newPage(browser, testInfo);
  watch?.(buyer);
  await signUp(buyer, testInfo, uniqueEmail(testInfo, `buyer-${label}`), `Buyer ${label}`);
  await topUp(buyer, testInfo, '100', '¥100.00');
  await visit(buyer, testInfo, itemPath);
  await buyer.getByLabel('Shipping address').fill('1 Test Road, Hangzhou');
  await buyer.getByRole('button', { name: 'Buy now' }).click();
  await expect(buyer).toHaveURL(/\/orders\/\d+$/);
  const orderPath = new URL(buyer.url()).pathname;
  await ready(buyer, testInfo);
  await buyer.getByRole('button', { name: 'Pay from wallet' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('Paid — waiting for shipment');
  if (ship) {
    await visit(seller, testInfo, orderPath);
    await seller.getByLabel('Carrier').fill('SF Express');
    await seller.getByLabel('Tracking number').fill('SF100');
    await seller.getByRole('button', { name: 'Mark as shipped' }).click();
    await expect(seller.getByTestId('order-state')).toHaveText('Shipped');
  }
  return { seller, buyer, orderPath, itemPath, sellerName };
}

/** A real PNG of the given size (a colour gradient), for photo uploads. */
export function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typed));
    return Buffer.concat([length, typed, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0); // no filter
    for (let x = 0; x < width; x++) rows.push((x * 8) % 256, (y * 10) % 256, 128);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export const PNG = png(32, 24);

/** The buyer asks for a refund on the order page (a form with a photo). */
export async function askRefund(page: Page, testInfo: TestInfo, orderPath: string, kind: 'Refund only' | 'Return the item for a refund', amount: string): Promise<void> {
  await visit(page, testInfo, orderPath);
  await page.getByText('Something wrong? Ask for a refund').click();
  await page.getByLabel(kind).check();
  await page.getByLabel('Amount (¥)').fill(amount);
  await page.getByLabel('Reason').fill('The lens is scratched');
  await page.getByLabel(/Photos \(up to 4/).setInputFiles({ name: 'scratch.png', mimeType: 'image/png', buffer: PNG });
  await page.getByRole('button', { name: 'Ask for a refund' }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Refund requested');
}
