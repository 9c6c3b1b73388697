import { expect, test } from '@playwright/test';
import { askRefund, escrowmart, newPage, paidDeal, runAudit, signUp, uniqueEmail, visit } from './helpers';

test('refund only, agreed by the seller: the buyer gets the amount back and the seller the rest less the fee', async ({ browser }, testInfo) => {
  const { seller, buyer, orderPath } = await paidDeal(browser, testInfo, 'refund');
  await askRefund(buyer, testInfo, orderPath, 'Refund only', '30');
  await expect(buyer.locator('.photo-strip img')).toHaveCount(1);

  await visit(seller, testInfo, orderPath);
  await expect(seller.getByTestId('refund-request')).toHaveText('Refund only: ¥30.00');
  await seller.getByRole('button', { name: 'Agree' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('Completed');

  // ¥70.00 released less 0.6% (¥0.42).
  await visit(seller, testInfo, '/wallet');
  await expect(seller.getByTestId('available')).toHaveText('¥69.58');
  await visit(buyer, testInfo, '/wallet');
  await expect(buyer.getByTestId('available')).toHaveText('¥30.00');
  expect(runAudit()).toContain('0 failed');
});

test('return and refund: the buyer sends it back, the seller confirms, the buyer is refunded in full', async ({ browser }, testInfo) => {
  const { seller, buyer, orderPath } = await paidDeal(browser, testInfo, 'return');
  await askRefund(buyer, testInfo, orderPath, 'Return the item for a refund', '100');
  await visit(seller, testInfo, orderPath);
  await seller.getByRole('button', { name: 'Agree' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('Return in transit');

  await visit(buyer, testInfo, orderPath);
  await buyer.getByLabel('Return carrier').fill('EMS');
  await buyer.getByLabel('Return tracking number').fill('EMS500');
  await buyer.getByRole('button', { name: 'Return sent' }).click();
  await expect(buyer.getByText('EMS · EMS500')).toBeVisible();

  await visit(seller, testInfo, orderPath);
  await seller.getByRole('button', { name: 'Returned goods received — refund' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('Refunded');
  await visit(buyer, testInfo, '/wallet');
  await expect(buyer.getByTestId('available')).toHaveText('¥100.00');
  expect(runAudit()).toContain('0 failed');
});

test('refused, escalated, and the arbiter splits 30/70', async ({ browser }, testInfo) => {
  const { seller, buyer, orderPath } = await paidDeal(browser, testInfo, 'split');
  await askRefund(buyer, testInfo, orderPath, 'Refund only', '100');
  await visit(seller, testInfo, orderPath);
  await seller.getByLabel('Or refuse, saying why').fill('It left here in perfect shape');
  await seller.getByRole('button', { name: 'Refuse' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('Refund refused');

  await visit(buyer, testInfo, orderPath);
  await expect(buyer.getByTestId('refusal')).toHaveText('It left here in perfect shape');
  await buyer.getByRole('button', { name: 'Ask the platform to decide' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('In arbitration');

  const arbiter = await newPage(browser, testInfo);
  const arbiterEmail = uniqueEmail(testInfo, 'arbiter');
  await signUp(arbiter, testInfo, arbiterEmail, 'Arbiter Bao');
  expect(escrowmart('user', 'grant-arbiter', arbiterEmail)).toContain('is now an arbiter');
  await visit(arbiter, testInfo, '/arbiter');
  await arbiter.getByTestId('cases').getByRole('link').first().click();
  await visit(arbiter, testInfo, orderPath);
  // The buyer's reason, with the evidence, is in front of the arbiter.
  await expect(arbiter.getByText('The lens is scratched', { exact: true })).toBeVisible();
  await arbiter.getByLabel(/Refund to the buyer/).fill('30');
  await arbiter.getByLabel('Reason, shown to both sides').fill('Light scratches: partly as described');
  await arbiter.getByRole('button', { name: 'Decide' }).click();
  await expect(arbiter.getByTestId('order-state')).toHaveText('Resolved by arbiter');

  // ¥30 back to the buyer; ¥70 to the seller less ¥0.42.
  await visit(buyer, testInfo, '/wallet');
  await expect(buyer.getByTestId('available')).toHaveText('¥30.00');
  await visit(seller, testInfo, '/wallet');
  await expect(seller.getByTestId('available')).toHaveText('¥69.58');
  await visit(buyer, testInfo, orderPath);
  await expect(buyer.getByText('Light scratches: partly as described')).toBeVisible();
  expect(runAudit()).toContain('0 failed');
});

test('a fraud claim upheld compensates the buyer in full and the seller is shown as suspended', async ({ browser }, testInfo) => {
  const { buyer, orderPath, itemPath } = await paidDeal(browser, testInfo, 'fraud');
  await visit(buyer, testInfo, orderPath);
  await buyer.getByLabel(/I received the item as described/).check();
  await buyer.getByRole('button', { name: 'Confirm receipt' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('Completed');

  await buyer.getByText('Were you defrauded? File a claim').click();
  await buyer.getByLabel('What happened').fill('The box held a brick, not a camera');
  await buyer.getByRole('button', { name: 'File the claim' }).click();
  await expect(buyer.getByTestId('claim-state')).toHaveText('Open — an arbiter will decide');

  const arbiter = await newPage(browser, testInfo);
  const arbiterEmail = uniqueEmail(testInfo, 'judge');
  await signUp(arbiter, testInfo, arbiterEmail, 'Judge Di');
  escrowmart('user', 'grant-arbiter', arbiterEmail);
  await visit(arbiter, testInfo, orderPath);
  await arbiter.getByLabel(/Uphold: pay the buyer/).check();
  await arbiter.getByLabel('Reason, shown to both sides').fill('Courier confirmed the weight of a brick');
  await arbiter.getByRole('button', { name: 'Decide the claim' }).click();
  await expect(arbiter).toHaveURL(/\/arbiter$/);

  await visit(buyer, testInfo, '/wallet');
  await expect(buyer.getByTestId('available')).toHaveText('¥100.00');
  await expect(buyer.getByTestId('statement')).toContainText('Fraud compensation');
  await visit(buyer, testInfo, itemPath);
  await expect(buyer.getByText('This seller is suspended and cannot take new orders.')).toBeVisible();
  await buyer.locator('.item__facts').getByRole('link').click();
  await expect(buyer.getByTestId('suspended')).toBeVisible();
  expect(runAudit()).toContain('0 failed');
});

test('a buyer rates the seller and the rating shows on the seller page', async ({ browser }, testInfo) => {
  const { buyer, orderPath, itemPath } = await paidDeal(browser, testInfo, 'rating');
  await visit(buyer, testInfo, orderPath);
  await buyer.getByLabel(/I received the item as described/).check();
  await buyer.getByRole('button', { name: 'Confirm receipt' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('Completed');

  await buyer.getByLabel('Good').check();
  await buyer.getByLabel('Comment (optional)').fill('Exactly as described, fast shipping');
  await buyer.getByRole('button', { name: 'Rate' }).click();
  await expect(buyer.locator('#ratings')).toContainText('Exactly as described, fast shipping');

  await visit(buyer, testInfo, itemPath);
  await buyer.locator('.item__facts').getByRole('link').click();
  await expect(buyer).toHaveURL(/\/seller\/\d+$/);
  await expect(buyer.getByTestId('tally')).toHaveText('100% good · 1 good, 0 neutral, 0 bad');
  await expect(buyer.getByTestId('reviews')).toContainText('Exactly as described, fast shipping');
});
