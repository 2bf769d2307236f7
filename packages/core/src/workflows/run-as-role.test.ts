// Workflows that run as a service role (settings `runAs: {role}`): the steps have exactly the role's rights, writes
// are the workflow's, and the role is never wider than whoever saved or published it, nor than the owner at run time.
import { openOwnerDatabase } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

interface Role {
  id: string;
  key: string;
  permissions: { actions: string[]; objects: Record<string, unknown> };
}
interface Run {
  id: string;
  status: string;
  error: string | null;
  steps: { stepId: string; status: string; error: string | null }[];
}

/** May read and update people (never create or delete), with the job title hidden; nothing else. */
const PEOPLE_EDITOR = {
  actions: [] as string[],
  objects: { people: { read: true, create: false, update: true, delete: false, hiddenFields: ['jobTitle'] } },
};

describe('a workflow running as a service role', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let manager: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const roles = async () => (await call('GET', '/roles')).json().data as Role[];
  const roleId = async (key: string) => (await roles()).find((r) => r.key === key)!.id;
  const addRole = async (key: string, permissions: object) => {
    const r = await call('POST', '/roles', { key, name: key, permissions });
    expect(r.statusCode, r.body).toBe(201);
    return (r.json() as Role).id;
  };
  const person = async (firstName: string) => {
    const r = await call('POST', '/objects/people', { firstName, jobTitle: 'کارشناس' });
    expect(r.statusCode, r.body).toBe(201);
    return (r.json() as { id: string }).id;
  };
  /** A workflow on a button over people, whose one step sets `values` (text, or an expression) on the record. */
  const updating = (name: string, values: Record<string, string | { expr: string }>, runAs: unknown) => ({
    name,
    settings: { runAs },
    draft: {
      trigger: { type: 'manual', object: 'people' },
      start: 's1',
      steps: [
        {
          id: 's1',
          type: 'updateRecord',
          target: 'trigger',
          values: Object.fromEntries(
            Object.entries(values).map(([k, v]) => [k, typeof v === 'string' ? { value: v } : v]),
          ),
          next: null,
        },
      ],
    },
  });
  /** Presses the workflow's button on the record (as `as`) and runs its steps; gives the run. */
  const runOn = async (workflowId: string, recordId: string, as?: string): Promise<Run> => {
    const started = await call('POST', `/workflows/${workflowId}/run`, { recordIds: [recordId] }, as);
    expect(started.statusCode, started.body).toBe(202);
    await drainRuns(t.handle.db, admin.workspaceId);
    const runId = (started.json() as { runIds: string[] }).runIds[0];
    return (await call('GET', `/workflow-runs/${runId}`)).json() as Run;
  };
  const firstName = async (id: string) =>
    ((await call('GET', `/objects/people/${id}`)).json() as { firstName: string }).firstName;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app, { name: 'Founder' });
    // Managers may build workflows here (by default only admins may).
    const managerRole = (await roles()).find((r) => r.key === 'manager')!;
    const widened = await call('PATCH', '/roles/manager', {
      permissions: {
        ...managerRole.permissions,
        actions: [...managerRole.permissions.actions, 'workflows.manage'],
      },
    });
    expect(widened.statusCode, widened.body).toBe(200);
    manager = await joinByInvitation(t.app, admin.cookie, {
      email: 'manager@example.com',
      role: 'manager',
      name: 'Mina',
    });
    await addRole('people_editor', PEOPLE_EDITOR);
  });
  afterAll(() => t?.close());

  it('acts with exactly the role: a hidden field is refused, another written, and the write is the workflow’s', async () => {
    const editor = await roleId('people_editor');
    const id = await person('Sara');
    const title = await publishWorkflow(call, updating('Set title', { jobTitle: 'مدیر' }, { role: editor }));
    // A test run walks the draft as the role too, though the admin pressing it may read the job title.
    const peek = updating(
      'Peek',
      { lastName: { expr: 'has(record.jobTitle) ? "seen" : "hidden"' } },
      { role: editor },
    );
    const draft = (await call('POST', '/workflows', peek)).json() as { id: string };
    const tried = await call('POST', `/workflows/${draft.id}/test-run`, { recordId: id });
    expect(tried.statusCode, tried.body).toBe(200);
    expect(tried.json().steps[0].output.wouldUpdate.values).toEqual({ lastName: 'hidden' });
    const hidden = await runOn(title, id);
    expect(hidden.status).toBe('failed');
    expect(hidden.steps.at(-1)).toMatchObject({ stepId: 's1', status: 'failed' });
    expect(hidden.error).toBe('Step "s1": jobTitle: There is no field "jobTitle" on people.');
    expect(((await call('GET', `/objects/people/${id}`)).json() as { jobTitle: string }).jobTitle).toBe(
      'کارشناس',
    );

    const rename = await publishWorkflow(
      call,
      updating('تغییر نام', { firstName: 'سارا' }, { role: editor }),
    );
    const renamed = await runOn(rename, id);
    expect(renamed.status, renamed.error ?? '').toBe('succeeded');
    expect(await firstName(id)).toBe('سارا');
    // The change has no user or key behind it: the history names the workflow that made it.
    const timeline = (await call('GET', `/objects/people/${id}/timeline?limit=1`)).json().data;
    expect(timeline[0]).toMatchObject({
      kind: 'change',
      action: 'updated',
      source: 'workflow',
      actor: { userId: null, apiKeyId: null, name: null },
      cause: { kind: 'workflow', runId: renamed.id, name: 'تغییر نام' },
      changes: { firstName: { from: 'Sara', to: 'سارا' } },
    });
  });

  it('refuses a manager a role wider than theirs when saving or publishing, and allows one within it', async () => {
    const managerActions = (await roles()).find((r) => r.key === 'manager')!.permissions.actions;
    const adminActions = (await roles()).find((r) => r.key === 'admin')!.permissions.actions;
    const beyond = adminActions.find((a) => !managerActions.includes(a))!;
    const wide = await addRole('wide', { actions: [beyond], objects: { '*': PEOPLE_EDITOR.objects.people } });
    for (const role of [wide, await roleId('admin')]) {
      const refused = await call(
        'POST',
        '/workflows',
        updating('Wide', { firstName: 'x' }, { role }),
        manager.cookie,
      );
      expect(refused.statusCode, refused.body).toBe(400);
      expect(refused.json().errors[0].field).toBe('body.settings.runAs.role');
    }
    const own = await call(
      'POST',
      '/workflows',
      updating('Mine', { firstName: 'x' }, 'owner'),
      manager.cookie,
    );
    expect(own.statusCode, own.body).toBe(201);
    const ownId = (own.json() as { id: string }).id;
    const patched = await call(
      'PATCH',
      `/workflows/${ownId}`,
      { settings: { runAs: { role: wide } } },
      manager.cookie,
    );
    expect(patched.statusCode, patched.body).toBe(400);
    expect(patched.json().errors[0].field).toBe('body.settings.runAs.role');
    expect(patched.json().detail).toContain(beyond);
    // An admin set the wide role; the manager may not publish it.
    expect(
      (await call('PATCH', `/workflows/${ownId}`, { settings: { runAs: { role: wide } } })).statusCode,
    ).toBe(200);
    const published = await call('POST', `/workflows/${ownId}/publish`, undefined, manager.cookie);
    expect(published.statusCode, published.body).toBe(400);
    expect(published.json().errors[0].field).toMatch(/settings\.runAs\.role$/);
    expect(
      ((await call('GET', `/workflows/${ownId}`)).json() as { currentVersion: null }).currentVersion,
    ).toBe(null);
    // A role of no workspace, and a role within the manager's, are told apart.
    const unknown = await call(
      'POST',
      '/workflows',
      updating('Nowhere', { firstName: 'x' }, { role: '01900000-0000-7000-8000-000000000001' }),
      manager.cookie,
    );
    expect(unknown.statusCode, unknown.body).toBe(400);
    const within = await call(
      'POST',
      '/workflows',
      updating('Within', { firstName: 'x' }, { role: await roleId('people_editor') }),
      manager.cookie,
    );
    expect(within.statusCode, within.body).toBe(201);
  });

  it('fails the next run safely when the role is widened beyond the owner after publishing', async () => {
    const key = 'widening';
    const role = await addRole(key, PEOPLE_EDITOR);
    const id = await person('Reza');
    const workflow = await publishWorkflow(
      call,
      updating('Rename by manager', { firstName: 'رضا' }, { role }),
      manager.cookie,
    );
    expect((await runOn(workflow, id, manager.cookie)).status).toBe('succeeded');
    expect(await firstName(id)).toBe('رضا');

    const adminActions = (await roles()).find((r) => r.key === 'admin')!.permissions.actions;
    const managerActions = (await roles()).find((r) => r.key === 'manager')!.permissions.actions;
    const beyond = adminActions.find((a) => !managerActions.includes(a))!;
    const widened = await call('PATCH', `/roles/${key}`, {
      permissions: { ...PEOPLE_EDITOR, actions: [beyond] },
    });
    expect(widened.statusCode, widened.body).toBe(200);
    expect((await call('PATCH', `/objects/people/${id}`, { firstName: 'Reza' })).statusCode).toBe(200);
    const refused = await runOn(workflow, id, manager.cookie);
    expect(refused.status).toBe('failed');
    expect(refused.steps.at(-1)).toMatchObject({ stepId: 's1', status: 'failed' });
    expect(refused.error).toBe(
      `Step "s1": the role "${key}" this workflow runs as now grants more than its owner’s role (Manager) holds (${beyond}), so the step was not run.`,
    );
    expect(await firstName(id)).toBe('Reza');
  });

  it('fails the next run safely when the role is deleted', async () => {
    const role = await addRole('short_lived', PEOPLE_EDITOR);
    const id = await person('Leila');
    const workflow = await publishWorkflow(
      call,
      updating('Rename by a role gone', { firstName: 'لیلا' }, { role }),
      manager.cookie,
    );
    // Roles have no delete route yet; an operator removing the row is the case at hand.
    const owner = openOwnerDatabase(t.url);
    try {
      await sql`delete from roles where id = ${role}`.execute(owner);
    } finally {
      await owner.destroy();
    }
    const refused = await runOn(workflow, id, manager.cookie);
    expect(refused.status).toBe('failed');
    expect(refused.steps.at(-1)).toMatchObject({ stepId: 's1', status: 'failed' });
    expect(refused.error).toBe(
      'Step "s1": the role this workflow runs as no longer exists, so the step was not run. Choose another role in the workflow’s settings and publish again.',
    );
    expect(await firstName(id)).toBe('Leila');
  });
});
