/// <reference lib="dom" />
// Browser test in Persian, as the workspace's admin: Settings → Knowledge base publishes the help centre and writes
// a Persian article in its own right-to-left column, published; a ticket whose subject is typed with Arabic yeh and
// kaf (كالاي … ي) shows the article among its suggested articles (the server folds both spellings alike); "Insert
// link" puts the article's help-centre address into the reply, which is sent; the link opens the article's public
// page, right to left. No serious accessibility problems on the settings screen or the ticket's page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import type { TestApp } from '../test/harness.ts';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const k = fa.kb;
const TITLE = 'بازگرداندن کالای آسیب‌دیده';
const BODY =
  'اگر کالای ارسالی آسیب دیده است، از بسته عکس بگیرید و **شماره سفارش** را بفرستید.\n\nThe refund takes ۳ to 5 days.';

describe('the knowledge base in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let t: TestApp;
  let base: string;
  let page: Page;
  let articleId: string;
  let publicId: string;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  /** axe-core on the page: no serious or critical violations. */
  const axe = () => seriousAxeViolations(page);

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا رضایی', PERSIAN_IN_TEHRAN);
    ({ t, base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('publishes the help centre and a Persian article written in its right-to-left column', async () => {
    await page.goto(`${base}/settings?tab=knowledge-base`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('switch', { name: k.helpCentreOn }).click();
    await expect.poll(async () => (await api('GET', '/service/kb/site')).enabled).toBe(true);
    publicId = (await api('GET', '/service/kb/site')).publicId;

    await page.getByTestId('kb-new-article').click();
    const column = page.getByTestId('kb-translation-fa');
    const title = column.getByLabel(k.title);
    const body = column.getByLabel(k.body);
    const direction = (l: typeof title) => l.evaluate((e) => getComputedStyle(e).direction);
    expect(await direction(title)).toBe('rtl');
    expect(await direction(body)).toBe('rtl');
    expect(await direction(page.getByTestId('kb-translation-en').getByLabel(k.body))).toBe('ltr');
    await title.fill(TITLE);
    await body.fill(BODY);
    await column.getByRole('switch', { name: k.published }).check();
    await column.getByRole('button', { name: k.save.replace('{{language}}', k.languages.fa) }).click();
    // Saved: the article now exists, its Persian translation published, and the column says so.
    await column.getByText(new RegExp(`^${k.published} · `)).waitFor();
    const list = (await api('GET', '/service/kb/articles')).data as {
      id: string;
      translations: { locale: string; title: string; status: string }[];
    }[];
    expect(list).toHaveLength(1);
    expect(list[0]!.translations).toEqual([
      expect.objectContaining({ locale: 'fa', title: TITLE, status: 'published' }),
    ]);
    articleId = list[0]!.id;
    await page.screenshot({ path: '/tmp/service-kb-editor.png', fullPage: true });
    expect(await axe()).toEqual([]);

    // Back in the list, the article shows with its language's status.
    await page.getByRole('button', { name: k.back }).click();
    await page.getByTestId('kb-article-row').getByText(TITLE).waitFor();
    await page.getByTestId('kb-article-row').getByText(`${k.languages.fa} · ${k.published}`).waitFor();
  }, 90_000);

  it('suggests the article on a ticket whose subject matches, inserts its link into the reply and sends it', async () => {
    const person = await api('POST', '/objects/people', { firstName: 'مریم', lastName: 'احمدی' });
    // Arabic yeh and kaf, as a customer with an Arabic keyboard types them.
    const ticket = await api('POST', '/objects/tickets', {
      subject: 'كالاي ارسالي آسيب ديده است',
      requester: person.id,
      language: 'fa',
    });
    await page.goto(`${base}/o/tickets/${ticket.id}`);
    const panel = page.getByTestId('kb-suggestions');
    await panel.getByText(k.suggested).waitFor();
    const hit = panel.getByTestId('kb-suggested').locator(`[data-article="${articleId}"]`);
    await hit.getByText(TITLE).waitFor();

    const composer = page.getByTestId('ticket-composer');
    const reply = composer.getByRole('textbox');
    await reply.waitFor();
    await hit.getByRole('button', { name: k.insertLink }).click();
    const link = `${t.config.publicUrl.replace(/\/+$/, '')}/kb/${publicId}/${articleId}/fa`;
    await expect.poll(() => reply.inputValue()).toBe(`${TITLE}\n${link}`);
    await page.screenshot({ path: '/tmp/service-kb.png', fullPage: true });
    expect(await axe()).toEqual([]);

    await composer.getByRole('button', { name: fa.service.send, exact: true }).click();
    await expect.poll(() => page.getByTestId('ticket-message').count()).toBe(1);
    const sent = (await api('GET', `/tickets/${ticket.id}/messages`)).data as {
      kind: string;
      body: string;
    }[];
    expect(sent).toEqual([expect.objectContaining({ kind: 'reply', body: `${TITLE}\n${link}` })]);

    // The link is the article's public page: its title, its text right to left, markup rendered safely.
    const pageOfArticle = await page.request.get(`${base}/kb/${publicId}/${articleId}/fa`);
    expect(pageOfArticle.status()).toBe(200);
    const html = await pageOfArticle.text();
    expect(html).toContain('<html lang="fa" dir="rtl">');
    expect(html).toContain(`<h1 dir="auto">${TITLE}</h1>`);
    expect(html).toContain('<strong>شماره سفارش</strong>');
  }, 90_000);
});
