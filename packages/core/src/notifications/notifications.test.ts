import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('notifications', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app, { name: 'Leila' });
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: 'agent@example.com',
      role: 'agent',
      name: 'Omid',
    });
  });
  afterAll(() => t?.close());

  it('tells a person when a task or a record is assigned to them, with its title and who did it', async () => {
    const task = await call('POST', '/objects/tasks', { title: 'تماس با مشتری', assignee: agent.userId });
    expect(task.statusCode, task.body).toBe(201);
    const person = (await call('POST', '/objects/people', { firstName: 'Reza' })).json();
    await call('PATCH', `/objects/people/${person.id}`, { owner: agent.userId });
    const r = await call('GET', '/notifications', undefined, agent.cookie);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().unreadCount).toBe(2);
    expect(r.json().data).toMatchObject([
      {
        kind: 'assigned',
        object: 'people',
        recordId: person.id,
        title: 'Reza',
        actor: { name: 'Leila' },
        readAt: null,
      },
      { kind: 'task_assigned', object: 'tasks', recordId: task.json().id, title: 'تماس با مشتری' },
    ]);
    expect((await call('GET', '/notifications')).json().data).toEqual([]);
  });

  it('does not tell people about what they assign to themselves', async () => {
    const before = (await call('GET', '/notifications', undefined, agent.cookie)).json().unreadCount;
    await call('POST', '/objects/tasks', { title: 'Mine', assignee: agent.userId }, agent.cookie);
    expect((await call('GET', '/notifications', undefined, agent.cookie)).json().unreadCount).toBe(before);
  });

  it('marks one or all read; another person’s notification is not found', async () => {
    const list = (await call('GET', '/notifications?unread=true', undefined, agent.cookie)).json();
    const first = list.data[0].id;
    expect((await call('POST', `/notifications/${first}/read`, undefined, admin.cookie)).statusCode).toBe(
      404,
    );
    expect((await call('POST', `/notifications/${first}/read`, undefined, agent.cookie)).statusCode).toBe(
      204,
    );
    expect((await call('GET', '/notifications', undefined, agent.cookie)).json().unreadCount).toBe(
      list.unreadCount - 1,
    );
    expect((await call('POST', '/notifications/read-all', undefined, agent.cookie)).statusCode).toBe(204);
    const after = (await call('GET', '/notifications?unread=true', undefined, agent.cookie)).json();
    expect(after).toMatchObject({ data: [], unreadCount: 0 });
    // One already read, marked again: still 204, and it keeps the time it was first read.
    const readAtOf = async () =>
      (await call('GET', '/notifications', undefined, agent.cookie))
        .json()
        .data.find((n: { id: string }) => n.id === first).readAt;
    const readAt = await readAtOf();
    expect(readAt).not.toBeNull();
    expect((await call('POST', `/notifications/${first}/read`, undefined, agent.cookie)).statusCode).toBe(
      204,
    );
    expect(await readAtOf()).toBe(readAt);
    expect((await call('POST', '/notifications/not-an-id/read', undefined, agent.cookie)).statusCode).toBe(
      404,
    );
    expect((await call('GET', '/notifications?cursor=garbage', undefined, agent.cookie)).statusCode).toBe(
      400,
    );
    expect((await call('GET', '/notifications?limit=0', undefined, agent.cookie)).statusCode).toBe(400);
  });

  it('belongs to people: an API key is refused', async () => {
    const key = await call('POST', '/api-keys', { name: 'k', role: 'admin' });
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/v1/notifications',
      headers: { authorization: `Bearer ${key.json().token}` },
    });
    expect(r.statusCode).toBe(403);
  });

  it('arrives on the person’s event stream, and only theirs', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}/api/v1/events`;
    const read = async (cookie: string) => {
      const response = await fetch(base, { headers: { cookie } });
      const reader = response.body!.getReader();
      let text = '';
      const done = (async () => {
        for (;;) {
          const { value, done: end } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (end) return;
          text += new TextDecoder().decode(value);
        }
      })();
      return { text: () => text, stop: () => reader.cancel().then(() => done) };
    };
    const agentStream = await read(agent.cookie);
    const adminStream = await read(admin.cookie);
    const task = (await call('POST', '/objects/tasks', { title: 'Live', assignee: agent.userId })).json();
    for (let i = 0; i < 100 && !agentStream.text().includes('event: notification'); i++)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await agentStream.stop();
    await adminStream.stop();
    expect(agentStream.text()).toContain('event: notification');
    expect(agentStream.text()).toContain(task.id);
    expect(adminStream.text()).not.toContain('event: notification');
  });
});
