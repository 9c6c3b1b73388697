import { expect, test } from '@playwright/test';
import { newPage, ready } from './helpers';

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
