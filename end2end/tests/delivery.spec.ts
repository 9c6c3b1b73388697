import { expect, Response, test } from '@playwright/test';
import { newPage, ready } from './helpers';

// What a first visit to the home page downloads (issue 12): the built files
// under content-hashed names, cached for a year, compressed on the wire.
test('a first visit gets hashed, year-cached, compressed files and a compressed page', async ({ browser }, testInfo) => {
  const page = await newPage(browser, testInfo);
  const responses: Response[] = [];
  page.on('response', (response) => responses.push(response));
  const document = await page.goto('/');
  await ready(page, testInfo);
  expect(document).not.toBeNull();
  expect(['br', 'zstd', 'gzip']).toContain((await document!.allHeaders())['content-encoding']);

  const built = responses.filter((response) => new URL(response.url()).pathname.startsWith('/pkg/'));
  const kinds = testInfo.project.name === 'hydrated' ? ['css', 'js', 'wasm'] : ['css'];
  for (const kind of kinds) {
    const file = built.find((response) => response.url().endsWith(`.${kind}`));
    expect(file, `the page loads its ${kind}`).toBeDefined();
    expect(new URL(file!.url()).pathname).toMatch(new RegExp(`^/pkg/escrowmart\\.[A-Za-z0-9_-]{8,}\\.${kind}$`));
    const headers = await file!.allHeaders();
    expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(headers['content-encoding'], `${kind} goes out precompressed`).toBe('br');
  }

  // The bytes on the wire, for the closing notes (README records them).
  let total = 0;
  const lines: string[] = [];
  for (const response of responses) {
    const sizes = await response.request().sizes();
    total += sizes.responseBodySize;
    lines.push(`${new URL(response.url()).pathname} ${sizes.responseBodySize} B`);
  }
  testInfo.annotations.push({ type: 'first visit', description: `${total} B compressed: ${lines.join(', ')}` });
  console.log(`first visit (${testInfo.project.name}): ${total} B compressed — ${lines.join(', ')}`);
});
