/// <reference lib="dom" />
// Browser test: a workflow that starts when something happens in another module, built in Persian — "a web form is
// submitted" on leads, with a condition on the submission's campaign. A submission of that campaign starts one run
// on the lead the form made; another campaign's starts none.
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { cleanSubmission } from '../test/web-forms.ts';
import { openSignedInDesk, type SignedInDesk } from './desk.ts';

const w = fa.workflow;

describe('a workflow started by a web form, built in Persian', () => {
  let desk: SignedInDesk;
  let runner: Runner;

  beforeAll(async () => {
    desk = await openSignedInDesk('Admin', { locale: 'fa' }, {}, { viewport: { width: 1400, height: 900 } });
    runner = await startWorker(desk.t.config, desk.t.url, desk.t.handle.db, pino({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await runner?.stop();
    await desk?.close();
  });

  it('picks the event and its object in the editor; a matching submission runs it once on the lead', async () => {
    const { page, base, api, t } = desk;
    await page.goto(`${base}/workflows`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: w.new }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: w.name }).fill('سرنخ‌های کمپین بهار');
    await page.getByRole('button', { name: w.create, exact: true }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    const workflowId = page.url().split('/').pop()!;

    await page.locator('.react-flow__node[data-id="trigger"]').click();
    const panel = page.getByTestId('workflow-panel');
    await panel.getByText(w.triggerType.event, { exact: true }).click();
    await panel.getByRole('combobox', { name: w.moduleEventLabel }).click();
    await page.getByRole('option', { name: w.moduleEvent['sales.formSubmitted'] }).click();
    await panel.getByRole('combobox', { name: w.object }).click();
    await page.getByRole('option', { name: 'سرنخ‌ها' }).click();
    // What the event carries is listed for conditions and steps.
    await panel.getByText('trigger.payload.utmCampaign', { exact: false }).waitFor();
    await panel.getByLabel(w.expression).fill('trigger.payload.utmCampaign == "spring"');
    await page.screenshot({ path: 'test-results/workflows-event-trigger-fa.png' });

    await page.getByRole('button', { name: w.save, exact: true }).click();
    await page.getByText(w.unsaved).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: w.publish, exact: true }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${workflowId}`)).currentVersion).toBe(1);
    await page.getByRole('switch', { name: w.enabled }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${workflowId}`)).enabled).toBe(true);
    expect(((await api('GET', `/workflows/${workflowId}`)).draft as { trigger: unknown }).trigger).toEqual({
      type: 'event',
      event: 'sales.formSubmitted',
      object: 'leads',
      condition: { expr: 'trigger.payload.utmCampaign == "spring"' },
    });

    const form = await api('POST', '/web-forms', {
      name: 'فرم بهار',
      locale: 'fa',
      fields: [
        { key: 'name', required: true, labels: { fa: 'نام' } },
        { key: 'email', labels: { fa: 'ایمیل' } },
      ],
      minFillSeconds: 0,
    });
    const submit = async (name: string, campaign: string, ip: string) => {
      const body = {
        ...(await cleanSubmission(t.app, String(form.publicId), { name })),
        utm_campaign: campaign,
      };
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/public/web-forms/${String(form.publicId)}/submissions`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
        remoteAddress: ip,
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    await submit('نرگس احمدی', 'spring', '10.20.0.1');
    await submit('امید رحیمی', 'autumn', '10.20.0.2');

    await expect
      .poll(
        async () => ((await api('GET', `/workflow-runs?workflowId=${workflowId}`)).data as unknown[]).length,
        {
          timeout: 30_000,
        },
      )
      .toBe(1);
    await page.goto(`${base}/workflow-runs?workflowId=${workflowId}`);
    await page.getByText(w.status.succeeded).first().waitFor();
    await page.getByRole('link', { name: 'نرگس احمدی' }).waitFor();
    expect(await page.getByRole('link', { name: 'امید رحیمی' }).count()).toBe(0);
  }, 120_000);
});
