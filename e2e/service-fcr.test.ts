/// <reference lib="dom" />
// Browser test in Arabic, with the Hijri calendar and Arabic-Indic digits: first-contact resolution three ways. An
// agent resolves a ticket from the inbox saying it was resolved at first contact, and says "needed follow-up" on
// another's page after resolving it; the customer opens the survey link (the GET records nothing) and answers "yes"
// to "was your issue resolved?" by POST, which the ticket's page then shows; the service metrics screen shows the system's, the agent's and the
// customer's rates with their counts, beside the one-touch and reopen rates. No serious accessibility problems.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ar } from '../apps/web/src/i18n/ar.ts';
import { createSecretBox } from '../packages/core/src/auth/secret-box.ts';
import { workspaceRows } from '../packages/core/src/email/mail-fixture.ts';
import { surveyToken } from '../packages/core/src/service/csat.service.ts';
import { seriousAxeViolations as axe, openSignedInDesk, type SignedInDesk } from './desk.ts';

const KEY = randomBytes(32);
const SHOTS = process.env.RABITA_SCREENSHOTS;
const s = ar.fcr;
const arabic = (n: number) => new Intl.NumberFormat('ar-u-nu-arab').format(n);
const percent = (rate: number) => new Intl.NumberFormat('ar-u-nu-arab', { style: 'percent' }).format(rate);

describe('first-contact resolution three ways in the browser, in Arabic', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let workspaceId: string;
  const ids: Record<'first' | 'second', string> = { first: '', second: '' };
  const numbers: Record<'first' | 'second', number> = { first: 0, second: 0 };
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };

  beforeAll(async () => {
    desk = await openSignedInDesk(
      'ليلى الحسيني',
      { locale: 'ar', calendar: 'islamic-umalqura', digits: 'arab', timeZone: 'Asia/Riyadh' },
      { RABITA_SECRET_KEY: KEY.toString('hex') },
    );
    ({ base, page } = desk);
    const me = (await api('GET', '/me')) as { user: { id: string }; workspace: { id: string } };
    workspaceId = me.workspace.id;
    // Surveys are scheduled on resolving, far off: the test sends the survey itself.
    await api('PUT', '/service/surveys/settings', {
      csatEnabled: true,
      csatDelayMinutes: 600,
      csatExpiryDays: 7,
    });
    const requester = (await api('POST', '/objects/people', { firstName: 'سلمى', lastName: 'العتيبي' })).id;
    const other = (await api('POST', '/objects/people', { firstName: 'خالد' })).id;
    const make = async (key: 'first' | 'second', subject: string, person: unknown, replies: number) => {
      const ticket = await api('POST', '/objects/tickets', {
        subject,
        requester: person,
        language: 'ar',
        owner: me.user.id,
        status: 'open',
      });
      ids[key] = ticket.id as string;
      numbers[key] = ticket.number as number;
      for (let i = 0; i < replies; i++)
        await api('POST', `/tickets/${ids[key]}/messages`, {
          kind: 'reply',
          body: `مرحبًا، الرد رقم ${i + 1}`,
        });
    };
    await make('first', 'لم تصل رسالة تفعيل الحساب', requester, 1);
    await make('second', 'الفاتورة تحمل مبلغًا خاطئًا', other, 2);
  }, 120_000);
  afterAll(() => desk?.close());

  it('resolves a ticket from the inbox saying it was resolved at first contact', async () => {
    await page.goto(`${base}/service/inbox`);
    const menu = page.getByRole('button', {
      name: ar.inbox.statusMenu.replace('{{number}}', arabic(numbers.first)),
      exact: true,
    });
    await menu.click();
    const dropdown = page.getByTestId('inbox-status-menu');
    await dropdown.getByText(s.resolveAs).waitFor();
    await dropdown
      .getByRole('menuitem', { name: s.resolvedAs.replace('{{disposition}}', 'حُلّت من أول تواصل') })
      .click();
    await expect
      .poll(async () => {
        const t = await api('GET', `/objects/tickets/${ids.first}`);
        return [t.status, t.fcrDisposition];
      })
      .toEqual(['resolved', 'first_contact']);
    expect(await axe(page)).toEqual([]);
  });

  it('asks on a resolved ticket’s page, and takes the agent’s answer there', async () => {
    await api('PATCH', `/objects/tickets/${ids.second}`, { status: 'resolved' });
    await page.goto(`${base}/o/tickets/${ids.second}`);
    const panel = page.getByTestId('fcr-disposition');
    await panel.getByText(s.ask).waitFor();
    const followUp = panel.getByRole('button', { name: 'احتاجت إلى متابعة' });
    expect(await followUp.getAttribute('aria-pressed')).toBe('false');
    await followUp.click();
    await expect.poll(() => followUp.getAttribute('aria-pressed')).toBe('true');
    expect((await api('GET', `/objects/tickets/${ids.second}`)).fcrDisposition).toBe('follow_up');
    await shot('fcr-ticket');
    expect(await axe(page)).toEqual([]);
  });

  it('takes the customer’s "yes" on the survey page by POST, not by opening the link', async () => {
    const rows = workspaceRows(
      () => desk.t.handle.db,
      () => workspaceId,
    );
    // As the survey job would have sent it.
    const [survey] = await rows<{ id: string }>(
      `update ticket_surveys set status = 'sent', sent_at = now(), expires_at = now() + interval '7 days'
       where ticket_id = '${ids.first}' returning id`,
    );
    const link = `${base}/s/csat/${surveyToken(createSecretBox(KEY), workspaceId, survey!.id)}?rating=5`;
    const customer = await desk.browser.newPage();
    await customer.goto(link);
    await customer.getByRole('group', { name: 'هل حُلّت مشكلتك؟' }).waitFor();
    expect(await customer.locator('html').getAttribute('dir')).toBe('rtl');
    expect((await api('GET', `/tickets/${ids.first}/surveys`)).data).toMatchObject([
      { status: 'sent', resolved: null },
    ]);
    await customer.getByRole('radio', { name: 'نعم' }).check();
    await customer.getByRole('button', { name: 'إرسال' }).click();
    await customer.getByText('شكرًا على إجابتك.').waitFor();
    expect(await customer.getByRole('radio', { name: 'نعم' }).isChecked()).toBe(true);
    expect((await api('GET', `/tickets/${ids.first}/surveys`)).data).toMatchObject([
      { status: 'answered', rating: 5, resolved: true },
    ]);
    expect(await axe(customer)).toEqual([]);
    await customer.close();
    // The agent sees the answer beside the rating on the ticket's page.
    await page.goto(`${base}/o/tickets/${ids.first}`);
    await page.getByTestId('ticket-surveys').getByText(s.customerSaidYes).waitFor();
  });

  it('shows the three rates with their counts, and the one-touch and reopen rates, in Arabic digits', async () => {
    await page.goto(`${base}/service/metrics`);
    await page.getByRole('heading', { name: s.title, level: 2 }).waitFor();
    const screen = page.getByTestId('service-metrics');
    // The period is picked in the Hijri calendar.
    expect(await screen.getByRole('combobox', { name: s.from }).getAttribute('data-calendar')).toBe(
      'islamic-umalqura',
    );
    await screen
      .getByTestId('metrics-resolved')
      .getByText(s.resolved.replace('{{n}}', arabic(2)))
      .waitFor();
    const rate = (id: string) => screen.getByTestId(`fcr-${id}-rate`).textContent();
    const count = (id: string) => screen.getByTestId(`fcr-${id}-count`).textContent();
    const of = (n: number, sample: number) =>
      s.count.replace('{{n}}', arabic(n)).replace('{{sample}}', arabic(sample));
    // The first ticket: one reply, never reopened, no repeat contact; the second: two replies.
    expect([await rate('system'), await count('system')]).toEqual([percent(0.5), of(1, 2)]);
    // The agent said first contact on one and follow-up on the other.
    expect([await rate('agent'), await count('agent')]).toEqual([percent(0.5), of(1, 2)]);
    // One customer answered, "yes".
    expect([await rate('customer'), await count('customer')]).toEqual([percent(1), of(1, 1)]);
    expect([await rate('one-touch'), await rate('reopen')]).toEqual([percent(0.5), percent(0)]);
    for (const text of [await rate('system'), await count('agent')]) expect(text).not.toMatch(/[0-9]/);
    await shot('fcr-metrics');
    expect(await axe(page)).toEqual([]);
  });
});
