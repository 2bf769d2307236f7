/// <reference lib="dom" />
// Browser test: the workflow editor on the real server and the built web app — a definition with a branch on the
// canvas, adding and deleting steps (the server takes the saved draft and publishes it), the side panel's forms,
// and under Persian a left-to-right canvas beside a right-to-left panel and a switch's ways; then the run history.
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseFromMenu } from './browser.ts';
import { openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

/** The seeds' thank-you note: a deal changes; large ones get an email, the rest a task; then the owner is told. */
function buildDefinition() {
  return {
    trigger: { type: 'record', object: 'deals', events: ['updated'] },
    start: 's1',
    steps: [
      {
        id: 's1',
        name: 'Large deal?',
        type: 'branch',
        condition: { expr: 'record.name != ""' },
        whenTrue: 's2',
        whenFalse: 's3',
      },
      {
        id: 's2',
        name: 'Thank-you email',
        type: 'sendEmail',
        to: [{ value: 'buyer@example.com' }],
        subject: 'Thank you',
        body: 'Thank you for your purchase, {{ record.name }}.',
        next: 's4',
      },
      { id: 's3', name: 'Wait a day', type: 'wait', minutes: 1440, next: 's4' },
      {
        id: 's4',
        name: 'Tell the owner',
        type: 'notify',
        users: [{ expr: 'record.owner' }],
        message: 'Done',
        next: null,
      },
    ],
  };
}

describe('workflows in the browser', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let runner: Runner;
  let workflowId = '';

  /** The API as the signed-in browser user (same cookies). */
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  /** axe-core on the current screen: no serious or critical violations. */
  const checkAxe = async (screen: string) => {
    expect(await seriousAxeViolations(page, 'html'), screen).toEqual([]);
  };
  const nodes = () => page.locator('.react-flow__node');
  const edges = () => page.locator('.react-flow__edge');

  beforeAll(async () => {
    // No preferences yet: the editor is seen in English first, in Persian at the end.
    desk = await openSignedInDesk('Person', {}, {}, { viewport: { width: 1400, height: 900 } });
    ({ base, page } = desk);
    const { t } = desk;
    // The job worker too, as `rabita start` runs it: it runs the workflows' steps.
    runner = await startWorker(t.config, t.url, t.handle.db, pino({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await runner?.stop();
    await desk?.close();
  });

  it('lists workflows and creates one from the list', async () => {
    await page.goto(`${base}/workflows`);
    await page.getByRole('heading', { name: 'Workflows' }).waitFor();
    await page.getByText('No workflows yet.', { exact: false }).waitFor();
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByLabel('Name').fill('Thank-you note');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    workflowId = page.url().split('/').pop() ?? '';
    // A new workflow is its trigger alone.
    await expect.poll(() => nodes().count()).toBe(1);
    const listed = await api('GET', '/workflows');
    expect(listed.data.map((w: { name: string }) => w.name)).toEqual(['Thank-you note']);
  });

  it("shows a definition with a branch: the trigger, four steps, and the branch's yes and no ways", async () => {
    await api('PATCH', `/workflows/${workflowId}`, { draft: buildDefinition() });
    await page.goto(`${base}/workflows/${workflowId}`);
    await expect.poll(() => nodes().count()).toBe(5);
    // trigger → s1, s1 yes → s2, s1 no → s3, s2 → s4, s3 → s4
    await expect.poll(() => edges().count()).toBe(5);
    const branch = page.locator('.react-flow__node[data-id="s1"]');
    await expect.poll(() => branch.locator('.react-flow__handle.source').count()).toBe(2);
    expect(await branch.locator('[data-handleid="yes"]').count()).toBe(1);
    expect(await branch.locator('[data-handleid="no"]').count()).toBe(1);
    await page.locator('.react-flow__edge-text', { hasText: 'Yes' }).waitFor();
    await page.locator('.react-flow__edge-text', { hasText: 'No' }).waitFor();
    // Top-down: each step below what leads to it, the branch's two sides apart.
    const box = async (id: string) =>
      (await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox())!;
    expect((await box('s1')).y).toBeGreaterThan((await box('trigger')).y);
    expect((await box('s2')).x).toBeLessThan((await box('s3')).x);
    expect((await box('s4')).y).toBeGreaterThan((await box('s2')).y);
    await checkAxe('workflow editor');
  });

  it('adds a step after a node and deletes one, and the server saves and publishes the result', async () => {
    await page.getByRole('button', { name: 'Add a step after Tell the owner' }).click();
    await page.getByRole('menuitem', { name: 'Update a record' }).click();
    await expect.poll(() => nodes().count()).toBe(6);
    // The new step's form opens beside the canvas.
    const panel = page.getByTestId('workflow-panel');
    await panel.getByText('s5').waitFor();
    await panel.getByLabel('Step name').fill('Mark thanked');
    // A literal value is entered with the record form's input for the field's type.
    await panel.getByRole('combobox', { name: 'Set a field…' }).click();
    await page.getByRole('option', { name: 'Probability' }).click();
    await panel.getByRole('textbox', { name: 'Probability' }).fill('90');
    await page.locator('.react-flow__node[data-id="s5"]', { hasText: 'Mark thanked' }).waitFor();

    // A step on the branch's "no" side goes between the branch and what that side led to.
    await page.getByRole('button', { name: 'Add a step on the “No” side of Large deal?' }).click();
    // A stop is offered only where nothing follows, so no step is cut off by one.
    expect(await page.getByRole('menuitem', { name: 'Stop' }).count()).toBe(0);
    await page.getByRole('menuitem', { name: 'Create a record' }).click();
    await expect.poll(() => nodes().count()).toBe(7);

    // Deleting the email joins the branch's "yes" side to what followed it.
    await page.getByRole('button', { name: 'Delete the step Thank-you email' }).click();
    await expect.poll(() => nodes().count()).toBe(6);
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Unsaved changes').waitFor({ state: 'detached' });
    const saved = (await api('GET', `/workflows/${workflowId}`)).draft as {
      steps: Record<string, unknown>[];
      layout?: Record<string, unknown>;
    };
    const byId = Object.fromEntries(saved.steps.map((s) => [String(s.id), s]));
    expect(Object.keys(byId).sort()).toEqual(['s1', 's3', 's4', 's5', 's6']);
    expect(byId.s1).toMatchObject({ whenTrue: 's4', whenFalse: 's6' });
    expect(byId.s6).toMatchObject({ type: 'createRecord', object: 'tasks', next: 's3' });
    expect(byId.s3).toMatchObject({ next: 's4' });
    expect(byId.s4).toMatchObject({ next: 's5' });
    expect(byId.s5).toMatchObject({
      type: 'updateRecord',
      name: 'Mark thanked',
      next: null,
      values: { probability: { value: 90 } },
    });
    // Positions are kept in the layout.
    expect(Object.keys(saved.layout ?? {}).sort()).toEqual(['s1', 's3', 's4', 's5', 's6', 'trigger']);
    // Dragging a node moves it in the layout the next save keeps.
    const before = (saved.layout as Record<string, { x: number; y: number }>).s5!;
    const node = (await page.locator('.react-flow__node[data-id="s5"]').boundingBox())!;
    await page.mouse.move(node.x + 20, node.y + 10);
    await page.mouse.down();
    await page.mouse.move(node.x + 120, node.y + 10, { steps: 8 });
    await page.mouse.move(node.x + 220, node.y + 10, { steps: 8 });
    await page.mouse.up();
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Unsaved changes').waitFor({ state: 'detached' });
    const moved = (await api('GET', `/workflows/${workflowId}`)).draft.layout.s5 as { x: number; y: number };
    expect(moved.x - before.x).toBeGreaterThan(50);
    expect(moved.y).toBe(before.y);

    await page.getByRole('button', { name: 'Publish' }).click();
    await page.getByText('Version 1').first().waitFor();
    await page.getByRole('button', { name: 'Versions' }).click();
    await page.getByRole('button', { name: 'Restore as draft' }).waitFor();
    await page.keyboard.press('Escape');

    // Renamed from the editor's title.
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('dialog', { name: 'Rename' }).getByLabel('Name').fill('Thank-you note for buyers');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('heading', { name: 'Thank-you note for buyers' }).waitFor();
    expect((await api('GET', `/workflows/${workflowId}`)).name).toBe('Thank-you note for buyers');
  });

  it('test-runs a draft on a picked record, then shows a real run in the history and cancels it while it waits', async () => {
    const created = await api('POST', '/workflows', {
      name: 'Welcome new people',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 's1',
        steps: [
          {
            id: 's1',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'Welcomed' } },
            next: 's2',
          },
          { id: 's2', type: 'wait', minutes: 600, next: null },
        ],
      },
    });
    await api('POST', `/workflows/${created.id}/publish`);
    await api('PATCH', `/workflows/${created.id}`, { enabled: true });
    const person = await api('POST', '/objects/people', { firstName: 'Shirin', lastName: 'Tehrani' });

    // The test run: the record picked as a relation field picks one, each step's input and output shown.
    await page.goto(`${base}/workflows/${created.id}`);
    await page.getByRole('button', { name: 'Test run' }).click();
    const dialog = page.getByRole('dialog', { name: 'Test run' });
    await dialog.getByRole('combobox', { name: 'Record' }).fill('Shirin');
    await page.getByRole('option', { name: /Shirin/ }).click();
    await dialog.getByRole('button', { name: 'Run', exact: true }).click();
    const result = dialog.getByTestId('test-run-result');
    await result.locator('[data-step="s1"]').waitFor();
    await result.locator('[data-step="s2"]').waitFor();
    expect(await result.locator('[data-step="s1"]').textContent()).toContain('Update a record');
    await page.keyboard.press('Escape');

    // The real run reached the wait: the history lists it, its page shows each step, and it can be cancelled.
    await expect
      .poll(async () => (await api('GET', `/workflow-runs?workflowId=${created.id}`)).data[0]?.status, {
        timeout: 20_000,
      })
      .toBe('waiting');
    await page.goto(`${base}/workflow-runs?workflowId=${created.id}`);
    const row = page.getByRole('row', { name: /Welcome new people/ });
    await row.getByText('Waiting').waitFor();
    // The record by its title, linking to its page.
    expect(await row.getByRole('link', { name: /Shirin/ }).getAttribute('href')).toBe(
      `/o/people/${person.id}`,
    );
    await row.getByRole('link', { name: 'Welcome new people' }).click();
    await page.getByRole('heading', { name: 'Welcome new people' }).waitFor();
    await page.locator('[data-step="s1"]', { hasText: 'Succeeded' }).waitFor();
    await page.locator('[data-step="s2"]').waitFor();
    await checkAxe('run page');
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByText('Cancelled').first().waitFor();
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    const runs = (await api('GET', `/workflow-runs?workflowId=${created.id}`)).data;
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['cancelled']);
  });

  it('runs a manual workflow from a record page, and the run changes the record', async () => {
    const created = await api('POST', '/workflows', {
      name: 'Mark as picked',
      draft: {
        trigger: { type: 'manual', object: 'people', label: 'Mark picked' },
        start: 's1',
        steps: [
          { id: 's1', type: 'updateRecord', target: 'trigger', values: { jobTitle: { value: 'Picked' } } },
        ],
      },
    });
    await api('POST', `/workflows/${created.id}/publish`);
    await api('PATCH', `/workflows/${created.id}`, { enabled: true });
    const person = await api('POST', '/objects/people', { firstName: 'Babak', lastName: 'Rostami' });
    await page.goto(`${base}/o/people/${person.id}`);
    await chooseFromMenu(
      page.getByRole('button', { name: 'Run workflow' }),
      page.getByRole('menuitem', { name: 'Mark picked' }),
    );
    await page.waitForURL(new RegExp(`/workflow-runs\\?workflowId=${created.id}`));
    await expect
      .poll(async () => (await api('GET', `/objects/people/${person.id}`)).jobTitle, { timeout: 20_000 })
      .toBe('Picked');
    await page.reload();
    await page
      .getByRole('row', { name: /Mark as picked/ })
      .getByText('Succeeded')
      .waitFor();
  });

  it('keeps the canvas left-to-right while the nodes and the side panel are right-to-left in Persian', async () => {
    await api('PATCH', '/me', { locale: 'fa' });
    await page.goto(`${base}/workflows/${workflowId}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expect.poll(() => nodes().count()).toBe(6);
    await page.locator('.react-flow__node[data-id="trigger"]').click();
    const panel = page.getByTestId('workflow-panel');
    await panel.getByText('آغازگر').first().waitFor();
    const direction = (selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((e) => getComputedStyle(e).direction);
    expect(await page.getByTestId('workflow-canvas').getAttribute('dir')).toBe('ltr');
    expect(await direction('[data-testid=workflow-canvas]')).toBe('ltr');
    expect(await direction('.react-flow__viewport')).toBe('ltr');
    expect(await direction('[data-testid=workflow-panel]')).toBe('rtl');
    expect(await direction('.react-flow__node[data-id="s1"] [data-node-kind]')).toBe('rtl');
    // The trigger's form speaks Persian: the object's events are Persian checkboxes.
    await panel.getByLabel('ساخته شود').waitFor();
    // The branch's ways are labelled in Persian on the canvas.
    await page.locator('.react-flow__edge-text', { hasText: 'بله' }).waitFor();
    // The canvas's own controls are named in Persian, and a step opens from the keyboard as by a click.
    expect(await page.getByRole('button', { name: 'بزرگ‌نمایی' }).count()).toBe(1);
    await page.locator('.react-flow__node[data-id="s4"]').focus();
    await page.keyboard.press('Enter');
    await panel.getByText('s4', { exact: true }).waitFor();
    await panel.getByText('اعلان به افراد').waitFor();
    // No English left on the screen but the test's own data, step ids, code and names of things (CEL, React Flow).
    const english = await page.evaluate(() => {
      // biome-ignore lint/performance/useDomNodeTextContent: the text as shown (not hidden nodes') is what is checked
      let text = document.body.innerText;
      for (const s of [
        'Large deal?',
        'Tell the owner',
        'Mark thanked',
        'Wait a day',
        'Thank-you note for buyers',
      ])
        text = text.split(s).join(' ');
      for (const e of document.querySelectorAll('code, [dir=ltr] input, .react-flow__attribution'))
        text = text.split(e.textContent ?? '').join(' ');
      const allowed = new Set(['CEL', 'React', 'Flow', 'record', 'name', 'owner', 'tasks', 'deals']);
      return [...new Set(text.match(/[A-Za-z]{2,}/g) ?? [])].filter((w) => !allowed.has(w));
    });
    expect(english).toEqual([]);
    await checkAxe('workflow editor (fa)');
  });

  it('adds a switch in Persian: a way out per case and otherwise, following the cases in the side panel', async () => {
    await page.goto(`${base}/workflows/${workflowId}`);
    await expect.poll(() => nodes().count()).toBe(6);
    await page.getByRole('button', { name: 'افزودن گام پس از Tell the owner' }).click();
    await page.getByRole('menuitem', { name: 'انشعاب بر اساس مقدار' }).click();
    await expect.poll(() => nodes().count()).toBe(7);
    // The smallest free id: s2 went with the deleted email.
    const node = page.locator('.react-flow__node[data-id="s2"]');
    const caseHandles = () => node.locator('.react-flow__handle.source[data-handleid^="case-"]');
    await expect.poll(() => caseHandles().count()).toBe(2);
    expect(await node.locator('[data-handleid="otherwise"]').count()).toBe(1);
    const panel = page.getByTestId('workflow-panel');
    await panel.getByText('s2', { exact: true }).waitFor();
    await panel.getByLabel('مقدار مورد مقایسه').fill('record.stage');
    const values = panel.getByRole('textbox', { name: 'برابر با' });
    await values.nth(0).fill('برنده');
    await values.nth(1).fill('بازنده');
    await panel.getByRole('textbox', { name: 'برچسب روی بوم (اختیاری)' }).nth(0).fill('بردیم');
    // The ways are labelled by the case's label or value, and "otherwise" in Persian.
    await node.locator('[data-way="case-0"]', { hasText: 'بردیم' }).waitFor();
    await node.locator('[data-way="case-1"]', { hasText: 'بازنده' }).waitFor();
    await node.locator('[data-way="otherwise"]', { hasText: 'در غیر این صورت' }).waitFor();
    // A third case adds a way out; removing it takes the way away again.
    await panel.getByRole('button', { name: 'افزودن حالت' }).click();
    await expect.poll(() => caseHandles().count()).toBe(3);
    // A number case reads Persian digits: its way is labelled with the number.
    await chooseFromMenu(
      panel.getByRole('combobox', { name: 'نوع' }).nth(2),
      page.getByRole('option', { name: 'عدد' }),
    );
    await panel.getByRole('textbox', { name: 'برابر با' }).nth(2).fill('-۱۲.۵');
    await node.locator('[data-way="case-2"]', { hasText: '-12.5' }).waitFor();
    await panel
      .getByRole('button', { name: /^حذف حالت/ })
      .last()
      .click();
    await expect.poll(() => caseHandles().count()).toBe(2);
    expect(await page.getByTestId('workflow-canvas').getAttribute('dir')).toBe('ltr');
    await page.getByRole('button', { name: 'ذخیرهٔ پیش‌نویس' }).click();
    await page.getByText('تغییرهای ذخیره‌نشده').waitFor({ state: 'detached' });
    const saved = (await api('GET', `/workflows/${workflowId}`)).draft as {
      steps: Record<string, unknown>[];
    };
    const byId = Object.fromEntries(saved.steps.map((s) => [String(s.id), s]));
    expect(byId.s4).toMatchObject({ next: 's2' });
    expect(byId.s2).toEqual({
      id: 's2',
      type: 'switch',
      value: { expr: 'record.stage' },
      cases: [
        { equals: 'برنده', next: 's5', label: 'بردیم' },
        { equals: 'بازنده', next: null },
      ],
      otherwise: null,
    });
    await checkAxe('workflow editor with a switch (fa)');
  });

  it('shows the run history with its filters, and an empty list for a workflow that has not run', async () => {
    await page.goto(`${base}/workflow-runs?workflowId=${workflowId}`);
    await page.getByRole('heading', { name: 'اجراهای گردش‌کار' }).waitFor();
    await page.getByText('هنوز اجرایی نیست.').waitFor();
    await checkAxe('run history (fa)');
  });
});
