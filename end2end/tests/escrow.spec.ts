import { expect, test } from '@playwright/test';
import { listItem, newPage, ready, runAudit, signUp, uniqueEmail, visit } from './helpers';

test('a buyer tops up by bank, buys and pays; the seller ships; the buyer confirms; the seller is paid less the fee', async ({ page, browser }, testInfo) => {
  const title = `Film camera ${testInfo.project.name} ${Date.now()}`;

  // The seller lists.
  const seller = await newPage(browser, testInfo);
  await signUp(seller, testInfo, uniqueEmail(testInfo, 'seller'), 'Wei Seller', true);
  const itemPath = await listItem(seller, testInfo, { title, price: '128.50', stock: '2' });

  // The buyer tops up ¥1,000 from the bank; it arrives by the bank's callback.
  await signUp(page, testInfo, uniqueEmail(testInfo, 'buyer'), 'Jie Buyer');
  await visit(page, testInfo, '/wallet');
  await page.getByLabel('Amount (¥)').first().fill('1000');
  await page.getByRole('button', { name: 'Top up' }).click();
  await expect(async () => {
    await visit(page, testInfo, '/wallet');
    await expect(page.getByTestId('available')).toHaveText('¥1,000.00', { timeout: 500 });
  }).toPass({ timeout: 15_000 });

  // The buyer buys and pays from the wallet.
  await visit(page, testInfo, itemPath);
  await page.getByLabel('Shipping address').fill('Chen Jie, 18 Wensan Road, Hangzhou');
  await page.getByRole('button', { name: 'Buy now' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await ready(page, testInfo);
  const orderPath = new URL(page.url()).pathname;
  await expect(page.getByTestId('order-state')).toHaveText('Awaiting payment');
  await expect(page.getByTestId('wallet-balance')).toHaveText('¥1,000.00');
  await page.getByRole('button', { name: 'Pay from wallet' }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Paid — waiting for shipment');

  // The seller is told to ship, and ships.
  await visit(seller, testInfo, '/');
  await expect(seller.getByTestId('unread-count')).toHaveText('1');
  await visit(seller, testInfo, '/dashboard');
  await expect(seller.getByTestId('to-ship-count')).toHaveText('1');
  await visit(seller, testInfo, orderPath);
  await seller.getByLabel('Carrier').fill('SF Express');
  await seller.getByLabel('Tracking number').fill('SF1400286913');
  await seller.getByRole('button', { name: 'Mark as shipped' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('Shipped');

  // The buyer sees when it would confirm by itself, and confirms.
  await visit(page, testInfo, orderPath);
  await expect(page.getByTestId('deadline')).toContainText('Confirms automatically on');
  await page.getByLabel(/I received the item as described/).check();
  await page.getByRole('button', { name: 'Confirm receipt' }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Completed');
  await expect(page.getByText('Receipt confirmed; payment released')).toBeVisible();

  // ¥128.50 less 0.6% (¥0.77) reaches the seller's wallet.
  await visit(seller, testInfo, '/wallet');
  await expect(seller.getByTestId('available')).toHaveText('¥127.73');
  await expect(seller.getByTestId('statement')).toContainText('Payment released');
  await visit(page, testInfo, '/wallet');
  await expect(page.getByTestId('available')).toHaveText('¥871.50');

  expect(runAudit()).toContain('0 failed');
});

test('an unpaid order cancels itself after the configured timeout and the stock comes back', async ({ page, browser }, testInfo) => {
  const title = `Last teapot ${testInfo.project.name} ${Date.now()}`;
  const seller = await newPage(browser, testInfo);
  await signUp(seller, testInfo, uniqueEmail(testInfo, 'potter'), 'Potter', true);
  const itemPath = await listItem(seller, testInfo, { title, price: '66.00', stock: '1' });

  await signUp(page, testInfo, uniqueEmail(testInfo, 'dawdler'), 'Dawdler');
  await visit(page, testInfo, itemPath);
  await page.getByLabel('Shipping address').fill('1 Slow Lane');
  await page.getByRole('button', { name: 'Buy now' }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  const orderPath = new URL(page.url()).pathname;
  await expect(page.getByTestId('deadline')).toContainText('Cancels automatically if unpaid');

  await visit(seller, testInfo, itemPath);
  await expect(seller.getByTestId('availability')).toHaveText('Sold out');

  // The server runs with an 8-second unpaid timeout.
  await expect(async () => {
    await visit(page, testInfo, orderPath);
    await expect(page.getByTestId('order-state')).toHaveText('Cancelled', { timeout: 500 });
  }).toPass({ timeout: 20_000 });
  await visit(seller, testInfo, itemPath);
  await expect(seller.getByTestId('availability')).toHaveText('1 in stock');
  expect(runAudit()).toContain('0 failed');
});
