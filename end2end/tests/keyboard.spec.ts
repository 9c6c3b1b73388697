import { expect, Locator, Page, test } from '@playwright/test';
import { listItem, newPage, ready, runAudit, signUp, topUp, uniqueEmail, visit } from './helpers';

test('the first Tab shows a skip link that takes the keyboard past the header to the page', async ({ browser }, testInfo) => {
  const page = await newPage(browser, testInfo);
  await page.goto('/');
  await ready(page, testInfo);

  await page.keyboard.press('Tab');
  const skip = page.locator('a.skip-link');
  await expect(skip).toBeFocused();
  await expect(skip).toBeInViewport();

  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/#content$/);
  // The next Tab lands inside the page, not on the header's links.
  await page.keyboard.press('Tab');
  const inMain = await page.evaluate(() => document.activeElement?.closest('main') !== null);
  expect(inMain).toBe(true);
});

/**
 * Presses Tab until `target` has the focus, as a keyboard user would, and
 * checks that the focus shows (an outline of at least 2 px).
 */
async function tabTo(page: Page, target: Locator, presses = 80): Promise<void> {
  for (let i = 0; i < presses; i++) {
    await page.keyboard.press('Tab');
    if (await target.evaluate((el) => el === document.activeElement)) {
      const ring = await target.evaluate((el) => {
        const style = getComputedStyle(el);
        return style.outlineStyle !== 'none' ? parseFloat(style.outlineWidth) : 0;
      });
      expect(ring, 'a visible focus ring').toBeGreaterThanOrEqual(2);
      return;
    }
  }
  throw new Error(`Tab never reached ${target}`);
}

/** Fills a field reached by Tab, typing as a person would. */
async function typeInto(page: Page, field: Locator, text: string): Promise<void> {
  await tabTo(page, field);
  await page.keyboard.type(text);
}

/** Activates a control reached by Tab: Enter for links and buttons, Space for boxes. */
async function press(page: Page, control: Locator, key: 'Enter' | 'Space' = 'Enter'): Promise<void> {
  await tabTo(page, control);
  await page.keyboard.press(key);
}

test('buy, pay, ship and confirm with the keyboard alone', async ({ browser }, testInfo) => {
  const seller = await newPage(browser, testInfo);
  await signUp(seller, testInfo, uniqueEmail(testInfo, 'keys-seller'), 'Keyboard Seller', true);
  const itemPath = await listItem(seller, testInfo, { title: `Typewriter ${testInfo.project.name} ${Date.now()}`, price: '100.00', stock: '1' });
  const buyer = await newPage(browser, testInfo);
  await signUp(buyer, testInfo, uniqueEmail(testInfo, 'keys-buyer'), 'Keyboard Buyer');
  await topUp(buyer, testInfo, '100', '¥100.00');

  // From the item page the buyer tabs to the address, types it and buys.
  await visit(buyer, testInfo, itemPath);
  await typeInto(buyer, buyer.getByLabel('Shipping address'), '1 Keyboard Lane, Hangzhou');
  await press(buyer, buyer.getByRole('button', { name: 'Buy now' }));
  await expect(buyer).toHaveURL(/\/orders\/\d+$/);
  const orderPath = new URL(buyer.url()).pathname;
  await ready(buyer, testInfo);
  await press(buyer, buyer.getByRole('button', { name: 'Pay from wallet' }));
  await expect(buyer.getByTestId('order-state')).toHaveText('Paid — waiting for shipment');

  await visit(seller, testInfo, orderPath);
  await typeInto(seller, seller.getByLabel('Carrier'), 'SF Express');
  await typeInto(seller, seller.getByLabel('Tracking number'), 'SF1400286913');
  await press(seller, seller.getByRole('button', { name: 'Mark as shipped' }));
  await expect(seller.getByTestId('order-state')).toHaveText('Shipped');

  await visit(buyer, testInfo, orderPath);
  await press(buyer, buyer.getByLabel(/I received the item as described/), 'Space');
  await expect(buyer.getByLabel(/I received the item as described/)).toBeChecked();
  await press(buyer, buyer.getByRole('button', { name: 'Confirm receipt' }));
  await expect(buyer.getByTestId('order-state')).toHaveText('Completed');
  expect(runAudit()).toContain('0 failed');
});
