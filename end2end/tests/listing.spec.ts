import { expect, test } from '@playwright/test';
import { ready, signUp, uniqueEmail, visit } from './helpers';

test('a new member signs up, lists an item and signs out; a visitor finds and opens it', async ({ page, browser }, testInfo) => {
  const title = `Walnut desk lamp ${testInfo.project.name} ${Date.now()}`;

  await signUp(page, testInfo, uniqueEmail(testInfo, 'seller'), 'Mei the Seller', true);

  await page.getByRole('link', { name: 'Sell an item' }).click();
  await ready(page, testInfo);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Description').fill('Warm light, solid walnut base.\n\nBulb included.');
  await page.getByLabel('Category').selectOption('home-appliances');
  await page.getByLabel('Condition').selectOption('like-new');
  await page.getByLabel('Price (¥)').fill('1.999');
  await page.getByLabel('In stock').fill('3');
  await page.getByRole('button', { name: 'List it' }).click();

  // The server refuses three decimals and says so beside the price.
  await expect(page.locator('#price-error')).toHaveText('Use at most two decimal places (fen)');
  // What was typed is still there, with JavaScript (the form never left) and
  // without (the server kept it for the page it sent the browser back to).
  await expect(page.getByLabel('Title')).toHaveValue(title);
  await expect(page.getByLabel('Description')).toHaveValue('Warm light, solid walnut base.\n\nBulb included.');
  await expect(page.getByLabel('Category')).toHaveValue('home-appliances');
  await expect(page.getByLabel('Condition')).toHaveValue('like-new');
  await expect(page.getByLabel('Price (¥)')).toHaveValue('1.999');
  await expect(page.getByLabel('In stock')).toHaveValue('3');
  await page.getByLabel('Price (¥)').fill('128.50');
  await page.getByRole('button', { name: 'List it' }).click();

  await expect(page).toHaveURL(/\/item\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(title);
  await expect(page.getByText('¥128.50')).toBeVisible();
  await expect(page.getByTestId('availability')).toHaveText('3 in stock');
  const itemUrl = page.url();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByTestId('member-name')).toHaveCount(0);

  // A visitor in a fresh browser finds it on the home page and opens it.
  const visitorContext = await browser.newContext({
    baseURL: testInfo.project.use.baseURL,
    javaScriptEnabled: testInfo.project.use.javaScriptEnabled,
  });
  const visitor = await visitorContext.newPage();
  await visit(visitor, testInfo, '/');
  const card = visitor.getByRole('link', { name: new RegExp(title) });
  await expect(card).toBeVisible();
  await card.click();
  await expect(visitor).toHaveURL(itemUrl);
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText(title);
  // The seller's name links to their public profile.
  await expect(visitor.getByRole('link', { name: 'Mei the Seller', exact: true })).toBeVisible();
  await expect(visitor.getByRole('link', { name: 'Edit listing' })).toHaveCount(0);
  await visitorContext.close();
});

test('an unknown page is a 404 with a way back', async ({ page }, testInfo) => {
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await ready(page, testInfo);
  await expect(page.getByRole('heading', { name: 'We could not find that page' })).toBeVisible();
});
