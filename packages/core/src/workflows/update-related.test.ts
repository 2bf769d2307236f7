import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { runWorkflowStep } from './run-step.ts';

describe('an updateRelated step', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('updates the records pointing at the run’s record, at most its limit, each with itself as `item`', async () => {
    const company = (await call('POST', '/objects/companies', { name: 'پارس' })).json() as { id: string };
    const other = (await call('POST', '/objects/companies', { name: 'Other' })).json() as { id: string };
    const staff: string[] = [];
    for (const name of ['Ali', 'Bita', 'Cyrus'])
      staff.push(
        (
          (await call('POST', '/objects/people', { firstName: name, company: company.id })).json() as {
            id: string;
          }
        ).id,
      );
    const outsider = (
      (await call('POST', '/objects/people', { firstName: 'Dara', company: other.id })).json() as {
        id: string;
      }
    ).id;
    const created = await call('POST', '/workflows', {
      name: 'Company renamed',
      draft: {
        trigger: { type: 'manual', object: 'companies' },
        start: 'u',
        steps: [
          {
            id: 'u',
            type: 'updateRelated',
            object: 'people',
            via: 'company',
            filter: { field: 'firstName', op: 'neq', value: 'Cyrus' },
            values: { jobTitle: { expr: 'item.firstName + " در " + record.name' } },
            limit: 1,
            next: null,
          },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;
    const published = await call('POST', `/workflows/${id}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    const started = (await call('POST', `/workflows/${id}/run`, { recordIds: [company.id] })).json() as {
      runIds: string[];
    };
    await runWorkflowStep(
      t.handle.db,
      { workspaceId: admin.workspaceId, runId: started.runIds[0]! },
      { allowPrivate: false },
    );
    const titles = async () =>
      Promise.all(
        [...staff, outsider].map(
          async (p) =>
            ((await call('GET', `/objects/people/${p}`)).json() as { jobTitle: string | null }).jobTitle,
        ),
      );
    // Limit 1: the first by id of those matching (Ali), not Bita yet, never Cyrus (the filter) or Dara (elsewhere).
    expect(await titles()).toEqual(['Ali در پارس', null, null, null]);
    const run = (await call('GET', `/workflow-runs/${started.runIds[0]}`)).json() as {
      status: string;
      steps: { output: { updated: string[]; more: boolean } }[];
    };
    expect(run.status).toBe('succeeded');
    expect(run.steps[0]!.output).toEqual({ updated: [staff[0]], more: true });

    // A field that does not point at the run's record's object is refused at publish, naming it.
    const wrong = await call('POST', '/workflows', {
      name: 'Wrong',
      draft: {
        trigger: { type: 'manual', object: 'companies' },
        start: 'u',
        steps: [
          { id: 'u', type: 'updateRelated', object: 'people', via: 'jobTitle', values: {}, next: null },
        ],
      },
    });
    const refused = await call('POST', `/workflows/${(wrong.json() as { id: string }).id}/publish`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ errors: [{ field: 'body.steps.0.via' }] });
  });
});
