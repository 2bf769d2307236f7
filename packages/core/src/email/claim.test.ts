import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { claimMailboxes, releaseMailbox } from './email.repository.ts';
import { workspaceRows } from './mail-fixture.ts';

/** The sync workers' lease over mailboxes: each mailbox is held by one worker at a time, across workspaces. */
describe('claiming mailboxes for the sync workers', () => {
  let t: TestApp;
  const ids: Record<string, string[]> = {};

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    // Two workspaces, six mailboxes each, one of them paused.
    for (const name of ['one', 'two']) {
      const { workspaceId } = await signUp(t.app);
      const rows = workspaceRows(
        () => t.handle.db,
        () => workspaceId,
      );
      ids[name] = [];
      for (let i = 0; i < 6; i += 1) {
        const id = randomUUID();
        ids[name]!.push(id);
        await rows(`
          insert into mailboxes (workspace_id, id, name, address, kind, imap_host, imap_port, imap_security,
            username, auth, secret, status)
          values ('${workspaceId}', '${id}', 'صندوق ${i}', 'box${i}@example.com', 'shared', '127.0.0.1', 993, 'tls',
            'box${i}', 'password', 'sealed', '${i === 5 ? 'paused' : 'ready'}')`);
      }
    }
  });
  afterAll(() => t?.close());

  it('gives each mailbox to one worker at a time, never a paused one, and keeps a worker’s own on renewal', async () => {
    const db = t.handle.db;
    const live = [...ids.one!.slice(0, 5), ...ids.two!.slice(0, 5)].sort();
    // Two workers claim at once, again and again: no mailbox is held by both, and together they hold every live one.
    const [a, b] = await Promise.all([
      claimMailboxes(db, 'worker-a', 60, 7),
      claimMailboxes(db, 'worker-b', 60, 7),
    ]);
    const heldA = a.map((r) => r.mailbox_id);
    const heldB = b.map((r) => r.mailbox_id);
    expect(heldA.length).toBeLessThanOrEqual(7);
    expect(heldA.filter((id) => heldB.includes(id))).toEqual([]);
    const again = await Promise.all([
      claimMailboxes(db, 'worker-a', 60, 7),
      claimMailboxes(db, 'worker-b', 60, 7),
    ]);
    const [renewA, renewB] = again.map((rows) => rows.map((r) => r.mailbox_id));
    // Renewal keeps what each held; what was left over is taken by the one with room.
    expect(renewA).toEqual(expect.arrayContaining(heldA));
    expect(renewB).toEqual(expect.arrayContaining(heldB));
    expect(renewA!.filter((id) => renewB!.includes(id))).toEqual([]);
    expect([...renewA!, ...renewB!].sort()).toEqual(live);
    expect([...renewA!, ...renewB!]).not.toContain(ids.one![5]);
    // A third worker finds nothing while the leases run.
    expect(await claimMailboxes(db, 'worker-c', 60, 100)).toEqual([]);
    // A released mailbox is free for another; a release by a worker that does not hold it does nothing.
    await releaseMailbox(db, 'worker-c', renewA![0]!);
    expect(await claimMailboxes(db, 'worker-c', 60, 100)).toEqual([]);
    await releaseMailbox(db, 'worker-a', renewA![0]!);
    expect((await claimMailboxes(db, 'worker-c', 60, 100)).map((r) => r.mailbox_id)).toEqual([renewA![0]]);
    // An expired lease (0 seconds) is anyone's.
    await claimMailboxes(db, 'worker-b', 0, 100);
    const taken = (await claimMailboxes(db, 'worker-d', 60, 100)).map((r) => r.mailbox_id);
    expect(taken).toEqual(expect.arrayContaining(renewB!));
  });
});
