import { APIRequestContext, expect, test } from '@playwright/test';
import { listItem, newPage, png, ready, signUp, uniqueEmail, visit } from './helpers';

test('a seller uploads two photos and sees them on the item page, the first as the cover', async ({ page }, testInfo) => {
  const title = `Celadon vase ${testInfo.project.name} ${Date.now()}`;
  await signUp(page, testInfo, uniqueEmail(testInfo, 'photographer'), 'Photo Seller', true);
  const itemPath = await listItem(page, testInfo, { title, price: '88.00', stock: '1' });

  await page.getByRole('link', { name: 'Edit listing' }).click();
  await ready(page, testInfo);
  await expect(page.getByText('No photos yet')).toBeVisible();
  await page.getByLabel(/Add photos/).setInputFiles([
    { name: 'front.png', mimeType: 'image/png', buffer: png(40, 30) },
    { name: 'side.png', mimeType: 'image/png', buffer: png(30, 40) },
  ]);
  await page.getByRole('button', { name: 'Upload photos' }).click();
  await expect(page.getByTestId('listing-photos').locator('li')).toHaveCount(2);
  await expect(page.getByTestId('listing-photos').getByText('Cover')).toHaveCount(1);

  // A file that is not a picture is refused with a message, and nothing is added.
  await page.getByLabel(/Add photos/).setInputFiles({ name: 'virus.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('MZ not an image') });
  await page.getByRole('button', { name: 'Upload photos' }).click();
  await expect(page.getByTestId('form-error')).toHaveText('That file is not a JPEG, PNG or WebP image');
  await expect(page.getByTestId('listing-photos').locator('li')).toHaveCount(2);

  await visit(page, testInfo, itemPath);
  const slides = page.getByTestId('gallery').locator('.gallery__slides img');
  await expect(slides).toHaveCount(2);
  await expect(slides.first()).toHaveAttribute('src', /^\/media\/[0-9a-f]{32}\.jpg$/);
  // The picture really is served, with a long cache lifetime.
  const src = await slides.first().getAttribute('src');
  const response = await page.request.get(src ?? '');
  expect(response.status()).toBe(200);
  expect(response.headers()['content-type']).toBe('image/jpeg');
  expect(response.headers()['cache-control']).toContain('immutable');

  // The cover is on the listing's card.
  await visit(page, testInfo, '/');
  const card = page.getByRole('link', { name: new RegExp(title) });
  await expect(card.locator('img')).toHaveAttribute('src', /_t\.jpg$/);
});

/** Lists items straight through the server function, as the signed-in page's session. */
async function listQuickly(request: APIRequestContext, title: string, category: string, price: string) {
  const response = await request.post('/api/create_listing', {
    headers: { accept: 'application/json' },
    form: { title, description: '宜兴紫砂，手工制作。Handmade in Yixing.', category, condition: 'new', price, stock: '2' },
  });
  expect(response.ok(), await response.text()).toBeTruthy();
}

test('a visitor searches in Chinese and in English, filters by category and pages through results', async ({ browser }, testInfo) => {
  // Words of their own for each project and run (all share one database):
  // the time spelled in Chinese numerals and in letters.
  const hydrated = testInfo.project.name === 'hydrated';
  const stamp = String(Date.now()).slice(-6);
  const chinese = (hydrated ? '青花瓷茶杯' : '紫砂茶壶') + [...stamp].map((d) => '零一二三四五六七八九'[Number(d)]).join('');
  const english = (hydrated ? 'Porcelainware' : 'Claypotware') + [...stamp].map((d) => 'abcdefghij'[Number(d)]).join('');
  const seller = await newPage(browser, testInfo);
  await signUp(seller, testInfo, uniqueEmail(testInfo, 'potter'), 'Potter Wu', true);
  for (let n = 1; n <= 26; n++) {
    await listQuickly(seller.request, `${chinese} ${english} No. ${n}`, 'daily-goods', `${100 + n}.00`);
  }
  await listQuickly(seller.request, `${chinese} 收藏版`, 'other', '999.00');

  const visitor = await newPage(browser, testInfo);
  await visit(visitor, testInfo, '/');
  await visitor.getByLabel('Search listings').fill(chinese);
  await visitor.getByLabel('Search listings').press('Enter');
  await expect(visitor).toHaveURL(new RegExp(`/search\\?q=${encodeURIComponent(chinese)}`));
  await ready(visitor, testInfo);
  await expect(visitor.getByTestId('result-count')).toHaveText('27 items');
  await expect(visitor.getByTestId('listings').locator('li')).toHaveCount(24);

  await visitor.getByRole('link', { name: 'Next →' }).click();
  await expect(visitor).toHaveURL(/page=2/);
  await expect(visitor.getByTestId('listings').locator('li')).toHaveCount(3);
  await visitor.goBack();
  await expect(visitor.getByTestId('listings').locator('li')).toHaveCount(24);

  // Only the "other" one is left in that category.
  await ready(visitor, testInfo);
  await visitor.getByLabel('Category').selectOption('other');
  await visitor.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(visitor).toHaveURL(/category=other/);
  await expect(visitor.getByTestId('result-count')).toHaveText('1 item');
  await expect(visitor.getByTestId('listings')).toContainText(`${chinese} 收藏版`);

  // English, any case, with an inclusive price range and the cheapest first.
  await visit(visitor, testInfo, `/search?q=${english.toLowerCase()}&min=101&max=103&sort=price-low`);
  await expect(visitor.getByTestId('result-count')).toHaveText('3 items');
  await expect(visitor.getByTestId('listings').locator('h2').first()).toHaveText(`${chinese} ${english} No. 1`);

  // Category pages show how many each has.
  await visitor.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: /^Daily goods \d+$/ }).click();
  await expect(visitor).toHaveURL(/\/category\/daily-goods$/);
  await expect(visitor.getByRole('heading', { level: 1 })).toHaveText('Daily goods');
});
