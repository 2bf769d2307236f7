/// <reference lib="dom" />
// Browser test: a workflow set, in Persian, to run as a service role. The settings modal offers "a service role"
// with the workspace's roles; the run's change shows on the person's timeline as made by the workflow.
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { openSignedInDesk, type SignedInDesk } from './desk.ts';

const w = fa.workflow;

describe('a workflow running as a service role, set in Persian', () => {
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

  it('picks the role in the settings modal; the run’s change reads as made by the workflow', async () => {
    const { page, base, api } = desk;
    const role = await api('POST', '/roles', {
      key: 'renamer',
      name: 'ویرایشگر نام',
      permissions: {
        actions: [],
        objects: { people: { read: true, create: false, update: true, delete: false } },
      },
    });
    const person = await api('POST', '/objects/people', { firstName: 'Sara' });
    const workflow = await api('POST', '/workflows', {
      name: 'نام فارسی',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 's1',
        steps: [
          { id: 's1', type: 'updateRecord', target: 'trigger', values: { firstName: { value: 'سارا' } } },
        ],
      },
    });

    await page.goto(`${base}/workflows/${workflow.id}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: w.settings, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: w.runAs }).click();
    await page.getByRole('option', { name: w.runAsOption.role }).click();
    await dialog.getByRole('combobox', { name: w.runAsRole }).click();
    await page.getByRole('option', { name: 'ویرایشگر نام' }).click();
    await page.screenshot({ path: 'test-results/workflows-run-as-role-fa.png' });
    await dialog.getByRole('button', { name: w.saveSettings }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(((await api('GET', `/workflows/${workflow.id}`)).settings as { runAs: unknown }).runAs).toEqual({
      role: role.id,
    });

    await api('POST', `/workflows/${workflow.id}/publish`);
    await api('PATCH', `/workflows/${workflow.id}`, { enabled: true });
    await api('POST', `/workflows/${workflow.id}/run`, { recordIds: [person.id] });
    await expect
      .poll(async () => (await api('GET', `/objects/people/${person.id}`)).firstName, { timeout: 20_000 })
      .toBe('سارا');
    await page.goto(`${base}/o/people/${person.id}`);
    // The change's line names the workflow as its maker (the run's own entry, a link, names it too once the run is
    // recorded as done: the change's line is the paragraph).
    await page
      .locator('p', { hasText: fa.record.workflowActor.replace('{{name}}', 'نام فارسی') })
      .first()
      .waitFor();
  });
});
