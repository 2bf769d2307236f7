/// <reference lib="dom" />
// Browser test in Arabic, with a real IMAP server (Dovecot) and the mailbox sync: an admin turns a shared mailbox on
// for leads under Settings → Lead email and gives its leads a source of their own; a stranger's Arabic mail to it
// then becomes a lead with that source. No serious accessibility problems.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ar } from '../apps/web/src/i18n/ar.ts';
import { type Dovecot, startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { customerMail, startTestSync, until } from '../packages/core/src/email/mail-fixture.ts';
import { openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const KEY = randomBytes(32);
const SOURCE = 'معرض الرياض';

describe('leads by email in the browser, in Arabic', () => {
  let desk: SignedInDesk;
  let page: Page;
  let dovecot: Dovecot;
  let sync: { stop(): Promise<void> };
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sales', password: 'pw' }] });
    desk = await openSignedInDesk(
      'ليلى حداد',
      { locale: 'ar', calendar: 'gregory', digits: 'arab', timeZone: 'Asia/Riyadh' },
      { RABITA_MAIL_ALLOW_PRIVATE: 'true', RABITA_SECRET_KEY: KEY.toString('hex') },
    );
    page = desk.page;
    await api('POST', '/mailboxes', {
      name: 'المبيعات',
      address: 'sales@localhost',
      kind: 'shared',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      username: 'sales',
      secret: 'pw',
      readers: [],
    });
    sync = startTestSync(desk.t.handle.db, KEY, { pollMs: 500 });
  }, 120_000);
  afterAll(async () => {
    await sync?.stop();
    await desk?.close();
    await dovecot?.stop();
  });

  it('turns a shared mailbox on for leads and names their source in settings', async () => {
    await page.goto(`${desk.base}/settings?tab=lead-email`);
    const row = page.getByTestId('lead-email').locator('tr[data-address="sales@localhost"]');
    const toggle = row.getByRole('switch', {
      name: ar.leadMail.makesLeadsOf.replace('{{address}}', 'sales@localhost'),
    });
    await toggle.waitFor({ state: 'attached' });
    expect(await toggle.isChecked()).toBe(false);
    const source = row.getByRole('textbox', {
      name: ar.leadMail.sourceOf.replace('{{address}}', 'sales@localhost'),
    });
    expect(await source.isDisabled()).toBe(true);
    // The switch follows what the server stored, so it turns on once the server has taken the change.
    await row.locator('label').first().click();
    await expect.poll(() => toggle.isChecked()).toBe(true);
    await expect.poll(() => source.isDisabled()).toBe(false);
    await source.fill(SOURCE);
    await source.blur();
    await expect
      .poll(async () => (await api('GET', '/sales/lead-mailboxes')).data)
      .toEqual([expect.objectContaining({ address: 'sales@localhost', enabled: true, source: SOURCE })]);
    expect(await seriousAxeViolations(page, 'main')).toEqual([]);
    await page.screenshot({ path: 'test-results/screenshots/lead-email-ar.png' });
  });

  it('makes a lead with that source from a stranger’s Arabic mail', async () => {
    await dovecot.deliver(
      'sales',
      customerMail({
        from: `=?UTF-8?B?${Buffer.from('سلمان الحربي').toString('base64')}?= <salman@buyer.example>`,
        to: 'sales@localhost',
        subject: 'نود زيارة جناحكم',
        text: 'هل يمكن ترتيب عرض توضيحي غداً؟',
      }),
    );
    const lead = await until('the lead', async () => {
      const leads = (await api('GET', '/objects/leads?limit=10')).data as Record<string, unknown>[];
      return leads.find((l) => l.email === 'salman@buyer.example');
    });
    expect(lead).toMatchObject({ name: 'سلمان الحربي', source: SOURCE });
  });
});
