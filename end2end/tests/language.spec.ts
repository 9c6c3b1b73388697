import { expect, Page, test, TestInfo } from '@playwright/test';
import { confirmEmail, mailbox, newPage, PASSWORD, ready, runAudit, uniqueEmail, visit } from './helpers';

// Every page speaks Simplified Chinese or English: the switcher's cookie,
// else the browser's Accept-Language, else Chinese.

async function signUpInChinese(page: Page, testInfo: TestInfo, email: string, name: string): Promise<void> {
  await visit(page, testInfo, '/signup');
  await page.getByLabel('电子邮箱').fill(email);
  await page.getByLabel('昵称（他人可见）').fill(name);
  await page.getByLabel('密码').fill(PASSWORD);
  await page.getByRole('button', { name: '注册' }).click();
  await expect(page.getByTestId('member-name')).toHaveText(name);
  // The confirmation mail is in the language the member signed up in.
  await confirmEmail(page, testInfo, email);
  const letter = mailbox().find((m) => m.to === email);
  expect(letter?.subject).toBe('请确认你的邮箱地址');
  expect(letter?.body).toContain(`${name}，你好`);
}

test('a browser that prefers Chinese gets Chinese; the switcher changes to English and back, through navigation and sign-in', async ({ browser }, testInfo) => {
  const page = await newPage(browser, testInfo, 'zh-CN');
  await visit(page, testInfo, '/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('买卖双方之间，货款由平台安全担保');
  await expect(page.getByRole('link', { name: '登录' })).toBeVisible();

  // To English: the page stays where it was.
  await visit(page, testInfo, '/search?q=phone');
  await page.getByTestId('language-switcher').click();
  await expect(page).toHaveURL(/\/search\?q=phone$/);
  await ready(page, testInfo);
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Results for “phone”');

  // The choice holds on other pages and through signing up (which signs in).
  await page.getByRole('link', { name: 'Sign up' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Create an account');
  await ready(page, testInfo);
  await page.getByLabel('Email').fill(uniqueEmail(testInfo, 'switcher'));
  await page.getByLabel('Name shown to others').fill('Switcher');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByTestId('member-name')).toHaveText('Switcher');
  await visit(page, testInfo, '/wallet');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Wallet');

  // And back to Chinese, still signed in.
  await page.getByTestId('language-switcher').click();
  await ready(page, testInfo);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('钱包');
  await expect(page.getByTestId('member-name')).toHaveText('Switcher');
  await visit(page, testInfo, '/orders');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('我的订单');
});

test('a browser that prefers English gets English', async ({ browser }, testInfo) => {
  const page = await newPage(browser, testInfo, 'en-GB');
  await visit(page, testInfo, '/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Buy and sell with the money held safely in between');
  await expect(page.getByTestId('language-switcher')).toHaveText('中文');
});

test('the whole escrow journey in Chinese: list, top up, buy, pay, ship, confirm', async ({ browser }, testInfo) => {
  const title = `胶片相机 ${testInfo.project.name} ${Date.now()}`;

  const seller = await newPage(browser, testInfo, 'zh-CN');
  await signUpInChinese(seller, testInfo, uniqueEmail(testInfo, 'zh-seller'), '王卖家');
  await visit(seller, testInfo, '/sell');
  await seller.getByLabel('标题').fill(title);
  await seller.getByLabel('描述').fill('九成新，功能正常。');
  await seller.getByLabel('分类').selectOption('digital');
  await seller.getByLabel('成色').selectOption('used');
  await seller.getByLabel('价格（¥）').fill('128.50');
  await seller.getByLabel('库存').fill('2');
  await seller.getByRole('button', { name: '发布' }).click();
  await expect(seller).toHaveURL(/\/item\/\d+$/);
  const itemPath = new URL(seller.url()).pathname;
  await expect(seller.getByTestId('availability')).toHaveText('库存 2 件');

  const buyer = await newPage(browser, testInfo, 'zh-CN');
  await signUpInChinese(buyer, testInfo, uniqueEmail(testInfo, 'zh-buyer'), '陈买家');
  await visit(buyer, testInfo, '/wallet');
  await buyer.getByLabel('金额（¥）').first().fill('200');
  await buyer.getByRole('button', { name: '充值', exact: true }).click();
  await expect(async () => {
    await visit(buyer, testInfo, '/wallet');
    await expect(buyer.getByTestId('available')).toHaveText('¥200.00', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(buyer.getByTestId('statement')).toContainText('银行充值');

  await visit(buyer, testInfo, itemPath);
  await buyer.getByLabel('收货地址').fill('陈杰，杭州市文三路18号');
  await buyer.getByRole('button', { name: '立即购买' }).click();
  await expect(buyer).toHaveURL(/\/orders\/\d+$/);
  await ready(buyer, testInfo);
  const orderPath = new URL(buyer.url()).pathname;
  await expect(buyer.getByTestId('order-state')).toHaveText('等待付款');
  await expect(buyer.getByTestId('deadline')).toContainText('若未付款将自动取消');
  await buyer.getByRole('button', { name: '用钱包付款' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('已付款，等待发货');

  await visit(seller, testInfo, orderPath);
  await seller.getByLabel('快递公司').fill('顺丰速运');
  await seller.getByLabel('运单号').fill('SF1400286913');
  await seller.getByRole('button', { name: '确认发货' }).click();
  await expect(seller.getByTestId('order-state')).toHaveText('已发货');
  await visit(seller, testInfo, '/notifications');
  await expect(seller.getByText(`买家已付款，请发货：${title}`, { exact: false })).toBeVisible();

  await visit(buyer, testInfo, orderPath);
  await expect(buyer.getByTestId('deadline')).toContainText('将自动确认收货');
  await expect(buyer.getByTestId('deadline')).toContainText('年');
  await buyer.getByLabel(/我已收到与描述相符的商品/).check();
  await buyer.getByRole('button', { name: '确认收货' }).click();
  await expect(buyer.getByTestId('order-state')).toHaveText('已完成');
  await expect(buyer.getByText('已确认收货，货款已放行')).toBeVisible();
  await expect(buyer.getByText('已通过顺丰速运发货（运单号 SF1400286913）')).toBeVisible();

  // ¥128.50 less 0.6% (¥0.77) reaches the seller.
  await visit(seller, testInfo, '/wallet');
  await expect(seller.getByTestId('available')).toHaveText('¥127.73');
  await expect(seller.getByTestId('statement')).toContainText('货款已放行');

  expect(runAudit()).toContain('0 failed');
});
