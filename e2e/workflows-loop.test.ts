/// <reference lib="dom" />
// Browser test: a loop of several steps, set in Persian — a "start another workflow" step turned into "for each
// related record" over a company's people. Pressing the company's button runs the called workflow's two steps on
// each of its people, and on nobody else.
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { openSignedInDesk, type SignedInDesk } from './desk.ts';

const w = fa.workflow;

describe('a loop over a company’s people, set in Persian', () => {
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

  it('turns the step into a loop in the side panel; the button runs the body once on each person', async () => {
    const { page, base, api } = desk;
    const company = await api('POST', '/objects/companies', { name: 'بازرگانی البرز' });
    const elsewhere = await api('POST', '/objects/companies', { name: 'شرکت دیگر' });
    const staff = [
      await api('POST', '/objects/people', { firstName: 'مریم', lastName: 'کاظمی', company: company.id }),
      await api('POST', '/objects/people', { firstName: 'رضا', lastName: 'نوری', company: company.id }),
    ];
    const outsider = await api('POST', '/objects/people', { firstName: 'سینا', company: elsewhere.id });
    // The loop's body: a workflow other workflows start on people, of two steps.
    const body = await api('POST', '/workflows', {
      name: 'خوشامد به یک نفر',
      draft: {
        trigger: { type: 'called', object: 'people' },
        start: 'title',
        steps: [
          {
            id: 'title',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'مشتری البرز' } },
            next: 'task',
          },
          {
            id: 'task',
            type: 'createRecord',
            object: 'tasks',
            values: { title: { expr: '"تماس خوشامد با " + record.firstName' } },
            next: null,
          },
        ],
      },
    });
    await api('POST', `/workflows/${body.id}/publish`);
    await api('PATCH', `/workflows/${body.id}`, { enabled: true });
    const loop = await api('POST', '/workflows', {
      name: 'خوشامد به کارکنان شرکت',
      draft: {
        trigger: { type: 'manual', object: 'companies' },
        start: 's1',
        steps: [{ id: 's1', type: 'runWorkflow', workflowId: body.id, next: null }],
      },
    });

    await page.goto(`${base}/workflows/${loop.id}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.locator('.react-flow__node[data-id="s1"]').click();
    const panel = page.getByTestId('workflow-panel');
    await panel.getByRole('switch', { name: w.forEachRelated }).click();
    // People by default; the field of theirs pointing at the company.
    await panel.getByRole('combobox', { name: w.relatedVia }).click();
    await page.getByRole('option', { name: 'شرکت', exact: true }).click();
    await page.screenshot({ path: 'test-results/workflows-loop-fa.png' });
    await page.getByRole('button', { name: w.save, exact: true }).click();
    await page.getByText(w.unsaved).waitFor({ state: 'detached' });
    expect(
      ((await api('GET', `/workflows/${loop.id}`)).draft as { steps: unknown[] }).steps[0],
    ).toMatchObject({
      type: 'runWorkflow',
      workflowId: body.id,
      forEach: { object: 'people', via: 'company', limit: 100 },
    });
    await page.getByRole('button', { name: w.publish, exact: true }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${loop.id}`)).currentVersion).toBe(1);
    await page.getByRole('switch', { name: w.enabled }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${loop.id}`)).enabled).toBe(true);

    // The company's own button starts it.
    await page.goto(`${base}/o/companies/${company.id}`);
    await page.getByRole('button', { name: w.runOn }).click();
    await page.getByRole('menuitem', { name: 'خوشامد به کارکنان شرکت' }).click();
    await page.waitForURL(/\/workflow-runs/);
    const title = async (id: unknown) => (await api('GET', `/objects/people/${String(id)}`)).jobTitle;
    await expect
      .poll(async () => Promise.all(staff.map((p) => title(p.id))), { timeout: 30_000 })
      .toEqual(['مشتری البرز', 'مشتری البرز']);
    await expect
      .poll(async () =>
        ((await api('GET', '/objects/tasks?limit=50')).data as { title: string }[])
          .map((t) => t.title)
          .sort(),
      )
      .toEqual(['تماس خوشامد با رضا', 'تماس خوشامد با مریم']);
    expect(await title(outsider.id)).toBeNull();
    // The body's two runs are in the history, each on its person.
    await page.goto(`${base}/workflow-runs?workflowId=${String(body.id)}`);
    await page.getByRole('link', { name: 'مریم کاظمی' }).waitFor();
    await page.getByRole('link', { name: 'رضا نوری' }).waitFor();
    expect(await page.getByText(w.status.succeeded).count()).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
