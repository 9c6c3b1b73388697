import { expect, Page, test, TestInfo } from '@playwright/test';
import {
  newPage, PASSWORD, ready, runAudit, teaShopEmail, teaShopPassword, teaShopUrl, uniqueEmail, visit,
} from './helpers';

/** ¥1,234.56 → 123456 fen. */
function fen(text: string): number {
  const [yuan, cents = '0'] = text.replace(/[¥,\s]/g, '').split('.');
  return Number(yuan) * 100 + Number(cents.padEnd(2, '0'));
}

async function merchantWallet(page: Page, testInfo: TestInfo): Promise<number> {
  await visit(page, testInfo, '/wallet');
  return fen((await page.getByTestId('available').textContent()) ?? '');
}

async function statusAtShop(page: Page, orderPath: string, status: string): Promise<void> {
  await expect(async () => {
    await page.goto(`${teaShopUrl}${orderPath}`);
    await expect(page.getByTestId('order-status')).toHaveText(status, { timeout: 500 });
  }).toPass({ timeout: 20_000 });
}

test('a tea shop sells with Escrowmart escrow: checkout, webhook, shipping through the API, the buyer confirms', async ({ page, browser }, testInfo) => {
  // The shop's owner watches the wallet on Escrowmart.
  const merchant = await newPage(browser, testInfo);
  await visit(merchant, testInfo, '/signin');
  await merchant.getByLabel('Email').fill(teaShopEmail);
  await merchant.getByLabel('Password').fill(teaShopPassword);
  await merchant.getByRole('button', { name: 'Sign in' }).click();
  await expect(merchant.getByTestId('member-name')).toHaveText('Tea House');
  const before = await merchantWallet(merchant, testInfo);

  // A shopper fills a cart at the tea shop and checks out.
  await page.goto(`${teaShopUrl}/`);
  await page.getByLabel('Quantity').first().fill('2');
  await page.getByRole('button', { name: 'Add Longjing green tea, 250 g to cart' }).click();
  await expect(page.getByTestId('cart-total')).toHaveText('¥199.00');
  await page.getByRole('button', { name: 'Check out with Escrowmart escrow' }).click();

  // Escrowmart's hosted checkout: the shop, the items, the promise.
  await expect(page).toHaveURL(/\/checkout\/esc_[0-9a-f]+$/);
  const checkoutPath = new URL(page.url()).pathname;
  await ready(page, testInfo);
  await expect(page.getByTestId('checkout-shop')).toHaveText('Tea House');
  await expect(page.getByTestId('checkout-amount')).toHaveText('¥199.00');
  await expect(page.getByText('Escrowmart buyer protection.')).toBeVisible();

  // New to Escrowmart: signs up on the spot and comes straight back.
  await page.getByRole('link', { name: 'Create an account' }).click();
  await ready(page, testInfo);
  await page.getByLabel('Email').fill(uniqueEmail(testInfo, 'tea-buyer'));
  await page.getByLabel('Name shown to others').fill('Tea Buyer');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page).toHaveURL(new RegExp(`${checkoutPath}$`));
  await ready(page, testInfo);

  // Pays straight from the bank (a top-up that pays the escrow), and is
  // sent back to the shop, where the webhook has marked the order paid.
  await page.getByRole('button', { name: 'Pay by bank' }).click();
  await expect(page).toHaveURL(new RegExp(`^${teaShopUrl}/orders/T-`), { timeout: 15_000 });
  const shopOrderPath = new URL(page.url()).pathname;
  const orderNumber = shopOrderPath.split('/').pop() ?? '';
  await statusAtShop(page, shopOrderPath, 'paid');

  // The shop's admin ships through the API.
  const admin = await browser.newPage();
  await admin.goto(`${teaShopUrl}/admin`);
  const row = admin.locator(`tr[data-order="${orderNumber}"]`);
  await row.getByLabel('Carrier').fill('SF Express');
  await row.getByLabel('Tracking number').fill('SF1400286913');
  await row.getByRole('button', { name: `Ship ${orderNumber}` }).click();
  await expect(admin.locator(`tr[data-order="${orderNumber}"] .status`)).toHaveText('shipped');

  // The buyer confirms receipt on Escrowmart, an ordinary order page.
  await visit(page, testInfo, '/orders');
  await page.getByRole('link', { name: `Tea House order ${orderNumber}` }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Shipped');
  await ready(page, testInfo);
  await page.getByLabel(/I received the item as described/).check();
  await page.getByRole('button', { name: 'Confirm receipt' }).click();
  await expect(page.getByTestId('order-state')).toHaveText('Completed');

  // The shop hears it; the merchant is paid ¥199.00 less 0.6% (¥1.19).
  await statusAtShop(page, shopOrderPath, 'completed');
  expect(await merchantWallet(merchant, testInfo)).toBe(before + 19_781);
  runAudit();
});
