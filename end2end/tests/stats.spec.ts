import { expect, test } from '@playwright/test';
import { newPage, visit } from './helpers';

// Issue 14: /stats shows the platform's figures with charts drawn on the
// server, each an image named by its caption, with the figures by day as a
// table; both projects run it (hydrated and without JavaScript).

test('anyone sees escrow in figures: charts with their text alternatives and the live proof', async ({ page }, testInfo) => {
  await visit(page, testInfo, '/stats');
  await expect(page).toHaveTitle(/Escrow in figures/);
  await expect(page.getByRole('heading', { level: 1, name: 'Escrow in figures' })).toBeVisible();

  const turnover = page.getByRole('img', { name: /^Money paid into escrow per day, last 30 days: ¥[\d,]+\.\d\d in all\.$/ });
  await expect(turnover).toBeVisible();
  await expect(page.getByRole('img', { name: /^Orders completed per day, last 30 days: \d+ in all\.$/ })).toBeVisible();
  // Drawn at the page's width, not at the size it was drawn.
  const box = await turnover.boundingBox();
  expect(box?.width ?? 0).toBeGreaterThan(300);

  // The text alternative: every day's figures in a table, behind a summary.
  const days = page.getByTestId('days');
  await expect(days).toBeHidden();
  await page.getByText('The figures by day').click();
  await expect(days.locator('tbody tr')).toHaveCount(30);
  await expect(days.getByRole('columnheader', { name: 'Paid into escrow' })).toBeVisible();

  // The promise, checked: escrow holds exactly what open orders hold, and
  // the worker's audit (run at start) passed.
  const holds = await page.getByTestId('escrow-holds').innerText();
  await expect(page.getByTestId('orders-hold')).toContainText(holds);
  await expect(page.getByTestId('holds-match')).toHaveText('They match.');
  await expect(page.getByTestId('audit')).toHaveText(/^Passed at .+: \d+ checks of the whole ledger from one snapshot\.$/);

  // Reached from every page's footer.
  await visit(page, testInfo, '/');
  await page.getByRole('contentinfo').getByRole('link', { name: 'Escrow in figures' }).click();
  await expect(page).toHaveURL(/\/stats$/);
});

test('the figures speak Chinese to a Chinese browser', async ({ browser }, testInfo) => {
  const page = await newPage(browser, testInfo, 'zh-CN');
  await visit(page, testInfo, '/stats');
  await expect(page.getByRole('heading', { level: 1, name: '担保交易数据' })).toBeVisible();
  await expect(page.getByRole('img', { name: /^近 30 天每日付入担保的金额，合计 ¥[\d,]+\.\d\d。$/ })).toBeVisible();
  await expect(page.getByTestId('holds-match')).toHaveText('两者一致。');
  await page.context().close();
});
