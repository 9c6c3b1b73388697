import { expect, test } from '@playwright/test';
import { mailbox, mailedLink, newPage, PASSWORD, signUp, uniqueEmail, visit } from './helpers';

// The account beyond signing in, hydrated and without JavaScript: a
// forgotten password reset by the mailed link, a changed password ending
// the other sessions, signing out everywhere, and the address to confirm.

test('a forgotten password is reset by the link mailed to the address, which works once and ends the other sessions', async ({ browser }, testInfo) => {
  const email = uniqueEmail(testInfo, 'forgetful');
  const laptop = await newPage(browser, testInfo);
  await signUp(laptop, testInfo, email, 'Forgetful Fang');

  const phone = await newPage(browser, testInfo);
  await visit(phone, testInfo, '/signin');
  await phone.getByRole('link', { name: 'Forgot your password?' }).click();
  await expect(phone.getByRole('heading', { level: 1 })).toHaveText('Reset your password');
  await visit(phone, testInfo, '/forgot-password');
  await phone.getByLabel('Email').fill(email);
  await phone.getByRole('button', { name: 'Send the link' }).click();
  await expect(phone.getByTestId('forgot-sent')).toContainText('If an account uses that address');

  const link = await mailedLink(email, '/reset-password');
  await visit(phone, testInfo, link);
  await phone.getByLabel('New password').fill('short');
  await phone.getByRole('button', { name: 'Set the new password' }).click();
  await expect(phone.locator('#password-error')).toContainText('at least 10 characters');
  await phone.getByLabel('New password').fill('a whole new passphrase');
  await phone.getByRole('button', { name: 'Set the new password' }).click();
  await expect(phone.getByTestId('account-notice')).toContainText('Your new password is set');
  await expect(phone.getByTestId('member-name')).toHaveText('Forgetful Fang');

  // The laptop's session has ended; the old password no longer works.
  await visit(laptop, testInfo, '/orders');
  await expect(laptop.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await expect(laptop.getByTestId('member-name')).toHaveCount(0);
  await visit(laptop, testInfo, '/signin');
  await laptop.getByLabel('Email').fill(email);
  await laptop.getByLabel('Password').fill(PASSWORD);
  await laptop.getByRole('button', { name: 'Sign in' }).click();
  await expect(laptop.locator('p.form-error')).toContainText('do not match an account');

  // The link worked once.
  await visit(laptop, testInfo, link);
  await expect(laptop.getByTestId('link-refused')).toContainText('already been used');
  await expect(async () => {
    expect(mailbox().some((m) => m.to === email && m.subject === 'Your password was changed')).toBe(true);
  }).toPass({ timeout: 15_000 });
});

test('changing the password needs the current one and signs out every other session; signing out everywhere ends them all', async ({ browser }, testInfo) => {
  const email = uniqueEmail(testInfo, 'careful');
  const laptop = await newPage(browser, testInfo);
  await signUp(laptop, testInfo, email, 'Careful Cao', true);
  const phone = await newPage(browser, testInfo);
  await visit(phone, testInfo, '/signin');
  await phone.getByLabel('Email').fill(email);
  await phone.getByLabel('Password').fill(PASSWORD);
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone.getByTestId('member-name')).toHaveText('Careful Cao');

  await laptop.getByRole('link', { name: 'Account' }).click();
  await expect(laptop.getByRole('heading', { level: 1 })).toHaveText('Your account');
  await expect(laptop.getByTestId('account-email')).toHaveText(email.toLowerCase());
  await expect(laptop.getByTestId('email-state')).toHaveText('Confirmed');
  await laptop.getByLabel('Current password').fill('not my password at all');
  await laptop.getByLabel('New password').fill('another long passphrase');
  await laptop.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.locator('#current_password-error')).toHaveText('That is not your current password');
  await laptop.getByLabel('Current password').fill(PASSWORD);
  await laptop.getByLabel('New password').fill('another long passphrase');
  await laptop.getByRole('button', { name: 'Change password' }).click();
  await expect(laptop.getByTestId('account-notice')).toContainText('Your password is changed');
  await expect(laptop.getByTestId('member-name')).toHaveText('Careful Cao');

  await visit(phone, testInfo, '/wallet');
  await expect(phone.getByTestId('member-name')).toHaveCount(0);

  // Signed in again on the phone, then out everywhere from the laptop.
  await visit(phone, testInfo, '/signin');
  await phone.getByLabel('Email').fill(email);
  await phone.getByLabel('Password').fill('another long passphrase');
  await phone.getByRole('button', { name: 'Sign in' }).click();
  await expect(phone.getByTestId('member-name')).toHaveText('Careful Cao');
  await visit(laptop, testInfo, '/account');
  await laptop.getByRole('button', { name: 'Sign out everywhere' }).click();
  await expect(laptop.getByRole('link', { name: 'Sign in' }).first()).toBeVisible();
  await visit(phone, testInfo, '/orders');
  await expect(phone.getByTestId('member-name')).toHaveCount(0);
});

test('an unconfirmed member is reminded, cannot list, and can have the link sent again', async ({ browser }, testInfo) => {
  const email = uniqueEmail(testInfo, 'unconfirmed');
  const page = await newPage(browser, testInfo);
  await signUp(page, testInfo, email, 'New Niu', false);
  await visit(page, testInfo, '/sell');
  await expect(page.getByTestId('confirm-email-banner')).toBeVisible();
  await page.getByLabel('Title').fill(`Unconfirmed ${Date.now()}`);
  await page.getByLabel('Description').fill('Should not be listed.');
  await page.getByLabel('Category').selectOption('digital');
  await page.getByLabel('Condition').selectOption('used');
  await page.getByLabel('Price (¥)').fill('10');
  await page.getByLabel('In stock').fill('1');
  await page.getByRole('button', { name: 'List it' }).click();
  await expect(page.locator('p.form-error')).toContainText('Confirm your e-mail address first');

  await page.getByTestId('confirm-email-banner').getByRole('link', { name: 'Send the link again' }).click();
  await expect(page.getByTestId('email-state')).toContainText('Not confirmed yet');
  const first = await mailedLink(email, '/verify-email');
  await page.getByRole('button', { name: 'Send the link again' }).click();
  await expect(page.getByText('We have sent a new link')).toBeVisible();
  await expect(async () => {
    expect(mailbox().filter((m) => m.to === email && m.subject === 'Confirm your e-mail address').length).toBe(2);
  }).toPass({ timeout: 15_000 });
  const link = await mailedLink(email, '/verify-email');
  expect(link).not.toBe(first);
  // The first link was retired by the second.
  await visit(page, testInfo, first);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.locator('p.form-error')).toContainText('already been used');
  await visit(page, testInfo, link);
  await page.getByRole('button', { name: 'Confirm my address' }).click();
  await expect(page.getByTestId('email-confirmed')).toBeVisible();
  await visit(page, testInfo, '/sell');
  await expect(page.getByTestId('confirm-email-banner')).toHaveCount(0);
});
