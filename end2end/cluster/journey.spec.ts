import { expect, Page, test } from '@playwright/test';
import { paidDeal, visit } from '../tests/helpers';

interface Answer {
  instance: string;
  method: string;
  path: string;
}

/** Notes which instance answered each request the page sends, by the header the balancer adds. */
function recordInstances(page: Page, answers: Answer[]): void {
  page.on('response', (response) => {
    const instance = response.headers()['x-served-by'];
    if (instance) {
      answers.push({ instance, method: response.request().method(), path: new URL(response.url()).pathname });
    }
  });
}

const tally = (answers: Answer[]) =>
  answers.reduce<Record<string, number>>((counts, a) => ({ ...counts, [a.instance]: (counts[a.instance] ?? 0) + 1 }), {});

test('buy → pay → ship → confirm through the balancer, both instances answering the journey', async ({ browser }, testInfo) => {
  // The seller confirms the address by the mailed link (sent by whichever
  // instance claimed the mail) and lists; the buyer's top-up comes back from
  // the bank through the balancer, every callback twice
  // (ESCROWMART_BANK_DUPLICATE_EVERY=1), and is credited once; the buyer
  // buys and pays, the seller ships.
  const answers: Answer[] = [];
  const { seller, buyer, orderPath } = await paidDeal(browser, testInfo, 'cluster', true, (page) => recordInstances(page, answers));

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
  const posts = answers.filter((a) => a.method === 'POST');
  console.log(`${testInfo.project.name}: ${answers.length} answers ${JSON.stringify(tally(answers))}, POSTs ${JSON.stringify(tally(posts))}`);
  expect(Object.keys(tally(answers)).sort()).toEqual(['a', 'b']);
  expect(Object.keys(tally(posts)).sort()).toEqual(['a', 'b']);
});
