import { expect, Page, TestInfo } from '@playwright/test';

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

export async function visit(page: Page, testInfo: TestInfo, path: string): Promise<void> {
  await page.goto(path);
  await ready(page, testInfo);
}

export async function signUp(page: Page, testInfo: TestInfo, email: string, name: string): Promise<void> {
  await visit(page, testInfo, '/signup');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name shown to others').fill(name);
  await page.getByLabel('Password').fill('a long enough password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('member-name')).toHaveText(name);
}
