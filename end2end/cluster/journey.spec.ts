import { expect, Page, test } from '@playwright/test';
import { listItem, newPage, ready, signUp, topUp, uniqueEmail, visit } from '../tests/helpers';

interface Answer {
  instance: string;
  method: string;
  path: string;
}

/** Notes which instance answered each request the page sent, by the header the balancer adds. */
function recordInstances(page: Page): Answer[] {
  const answers: Answer[] = [];
  page.on('response', (response) => {
    const instance = response.headers()['x-served-by'];
    if (instance) {
      answers.push({ instance, method: response.request().method(), path: new URL(response.url()).pathname });
    }
  });
  return answers;
}

const tally = (answers: Answer[]) =>
  answers.reduce<Record<string, number>>((counts, a) => ({ ...counts, [a.instance]: (counts[a.instance] ?? 0) + 1 }), {});

test('buy → pay → ship → confirm through the balancer, both instances answering the journey', async ({ browser }, testInfo) => {
  // The seller confirms the address by the mailed link (sent by whichever
  // instance claimed the mail), then lists.
  const seller = await newPage(browser, testInfo);
  const sellerAnswers = recordInstances(seller);
  const sellerName = `Cluster seller ${testInfo.project.name}`;
  await signUp(seller, testInfo, uniqueEmail(testInfo, 'cluster-seller'), sellerName, true);
  const itemPath = await listItem(seller, testInfo, { title: `Cluster teapot ${testInfo.project.name} ${Date.now()}`, price: '100.00', stock: '2' });

  // The bank calls back through the balancer, every callback twice
  // (ESCROWMART_BANK_DUPLICATE_EVERY=1): the wallet is credited once.
  const buyer = await newPage(browser, testInfo);
  const buyerAnswers = recordInstances(buyer);
  await signUp(buyer, testInfo, uniqueEmail(testInfo, 'cluster-buyer'), 'Cluster buyer');
  await topUp(buyer, testInfo, '100', '¥100.00');

  await visit(buyer, testInfo, itemPath);
  await buyer.getByLabel('Shipping address').fill('1 Balancer Road, Hangzhou');
  await buyer.getByRole('button', { name: 'Buy now' }).click();
  await expect(buyer).toHaveURL(/\/orders\/\d+$/);
  const orderPath = new URL(buyer.url()).pathname;
  await ready(buyer, testInfo);
  await buyer.getByRole('button', { name: 'Pay from wallet' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('Paid — waiting for shipment');

  await visit(seller, testInfo, orderPath);
  await seller.getByLabel('Carrier').fill('SF Express');
  await seller.getByLabel('Tracking number').fill('SF3400');
  await seller.getByRole('button', { name: 'Mark as shipped' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('Shipped');

  await visit(buyer, testInfo, orderPath);
  await buyer.getByLabel(/I received the item as described/).check();
  await buyer.getByRole('button', { name: 'Confirm receipt' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('Completed');
  // Each step is on the timeline once, whichever instance applied it.
  await visit(buyer, testInfo, orderPath);
  await expect(buyer.getByText('Paid into escrow')).toHaveCount(1);
  await expect(buyer.getByText('Receipt confirmed; payment released')).toHaveCount(1);

  // ¥100.00 less the 0.6% fee, once; the buyer's wallet is empty, once.
  await visit(seller, testInfo, '/wallet');
  await expect(seller.getByTestId('available')).toHaveText('¥99.40');
  await visit(buyer, testInfo, '/wallet');
  await expect(buyer.getByTestId('available')).toHaveText('¥0.00');

  // Both instances served the journey, its state changes included: the
  // sessions, the form keys and the order's version live in PostgreSQL.
  const answers = [...sellerAnswers, ...buyerAnswers];
  const posts = answers.filter((a) => a.method === 'POST');
  console.log(`${testInfo.project.name}: ${answers.length} answers ${JSON.stringify(tally(answers))}, POSTs ${JSON.stringify(tally(posts))}`);
  expect(Object.keys(tally(answers)).sort()).toEqual(['a', 'b']);
  expect(Object.keys(tally(posts)).sort()).toEqual(['a', 'b']);
});
