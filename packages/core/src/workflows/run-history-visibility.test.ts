import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

describe('a run’s steps as a viewer with hidden fields sees them', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let viewer: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const SECRET = 'سرّی-۴۲۱۷';

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const role = await call('POST', '/roles', {
      key: 'automation_clerk',
      name: 'Automation clerk',
      permissions: {
        actions: ['workflows.manage'],
        objects: {
          people: { read: true, create: true, update: true, delete: false, hiddenFields: ['jobTitle'] },
          tasks: { read: true, create: true, update: true, delete: false },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: `clerk.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'automation_clerk',
      name: 'Clerk',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the fields the viewer may see, withholds text rendered from the whole record, and shows the owner everything', async () => {
    await publishWorkflow(call, {
      name: 'عنوان شغلی در یادداشت',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'copy',
        steps: [
          {
            id: 'copy',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { expr: 'record.jobTitle + " ✓"' }, lastName: { value: 'Karimi' } },
            next: 'pick',
          },
          {
            id: 'pick',
            type: 'switch',
            value: { expr: 'record.jobTitle' },
            cases: [{ equals: 'nobody', next: null }],
            otherwise: 'tell',
          },
          {
            id: 'tell',
            type: 'notify',
            users: [{ value: admin.userId }],
            message: 'Title: {{ record.jobTitle }}',
            next: 'task',
          },
          {
            id: 'task',
            type: 'createRecord',
            object: 'tasks',
            values: { title: { expr: '"Call " + record.firstName' } },
            next: null,
          },
        ],
      },
    });
    const person = await call('POST', '/objects/people', { firstName: 'Zahra', jobTitle: SECRET });
    expect(person.statusCode, person.body).toBe(201);
    await drainRuns(t.handle.db, admin.workspaceId);
    const runs = await call('GET', `/workflow-runs?recordId=${person.json().id}`);
    const runId = (runs.json() as { data: { id: string; status: string }[] }).data[0]!.id;
    const asAdmin = await call('GET', `/workflow-runs/${runId}`);
    expect(asAdmin.statusCode, asAdmin.body).toBe(200);
    expect(asAdmin.json().status, asAdmin.body).toBe('succeeded');
    // The owner sees what the steps did, the secret included.
    expect(asAdmin.body).toContain(SECRET);

    const asViewer = await call('GET', `/workflow-runs/${runId}`, undefined, viewer.cookie);
    expect(asViewer.statusCode, asViewer.body).toBe(200);
    expect(asViewer.body).not.toContain(SECRET);
    const steps = asViewer.json().steps as { stepId: string; input: any; output: any }[];
    const of = (id: string) => steps.find((s) => s.stepId === id)!;
    // The update keeps the visible field it set, not the hidden one.
    expect(of('copy').input.values).toEqual({ lastName: 'Karimi' });
    // The switch's value and the message were computed from the record: withheld, and said so.
    expect(of('pick').output.withheld).toEqual(['value']);
    expect(of('tell').input.withheld).toEqual(['message']);
    expect(of('tell').input.users).toEqual([admin.userId]);
    // A step over an object the viewer sees whole is left as it is.
    expect(of('task').input.values).toEqual({ title: 'Call Zahra' });
  });
});
