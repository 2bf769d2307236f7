// New mail reaching an idling sync: each message is delivered the moment the sync fetches the one before it, so
// every message lands while the sync is busy or about to idle again — the moments a wake-up can be missed. The poll
// is ten minutes, so a missed wake-up leaves a message unfetched and the test sees it.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { syncMailbox } from './imap-sync.ts';
import { connectMailbox, customerMail, until, workspaceRows } from './mail-fixture.ts';

const KEY = randomBytes(32);
const MESSAGES = 25;

describe('an idling mailbox sync wakes for every new message', () => {
  let t: TestApp;
  let dovecot: Dovecot;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const abort = new AbortController();
  let done: Promise<unknown> | undefined;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'lina', password: 'linas-password' }] });
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
    });
    admin = await signUp(t.app);
  }, 60_000);
  afterAll(async () => {
    abort.abort();
    await done;
    await t?.close();
    await dovecot?.stop();
  });

  it(`stores ${MESSAGES} messages, each delivered as the sync fetches the one before, without waiting for a poll`, async () => {
    const mailboxId = await connectMailbox(call, dovecot, undefined, {
      name: 'lina',
      password: 'linas-password',
      address: 'lina@localhost',
    });
    let delivered = 0;
    let fetchesSeen = 0;
    const deliveries: Promise<void>[] = [];
    const deliverNext = () => {
      if (delivered >= MESSAGES) return;
      delivered += 1;
      deliveries.push(
        dovecot.deliver(
          'lina',
          customerMail({
            from: 'Customer <customer@customer.example>',
            to: 'lina@localhost',
            subject: `پیام ${delivered}`,
            text: 'سلام',
            id: `idle-${delivered}`,
          }),
        ),
      );
    };
    let idling = false;
    const commands: string[] = [];
    done = syncMailbox(
      {
        db: t.handle.db,
        secrets: lazySecretBox(async () => KEY),
        allowPrivate: true,
        maxMessageBytes: 1024 * 1024,
        pollMs: 600_000,
        reconcileMs: 86_400_000,
        onImapCommand: (command) => {
          commands.push(command);
          // The first IDLE starts the chain; after it, each fetch of new mail brings the next message.
          if (/^\S+ IDLE\b/.test(command) && !idling) {
            idling = true;
            deliverNext();
          } else if (idling && /^\S+ UID FETCH\b/.test(command)) {
            fetchesSeen += 1;
            deliverNext();
          }
        },
      },
      admin.workspaceId,
      mailboxId,
      abort.signal,
    ).catch((error: unknown) => error);
    const stored = await until(
      `all ${MESSAGES} messages stored`,
      async () => {
        const [row] = await rows<{ n: number }>(
          `select count(*)::int as n from email_messages where message_id like 'idle-%'`,
        );
        return row && row.n === MESSAGES ? row.n : undefined;
      },
      20_000,
    ).catch(() => undefined);
    await Promise.all(deliveries);
    const [row] = await rows<{ n: number }>(
      `select count(*)::int as n from email_messages where message_id like 'idle-%'`,
    );
    expect({ stored: stored ?? row?.n, delivered, fetchesSeen: fetchesSeen > 0 }).toEqual({
      stored: MESSAGES,
      delivered: MESSAGES,
      fetchesSeen: true,
    });
    // And then it idles: no fetching in a loop once nothing new arrives.
    const settled = commands.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(commands.slice(settled).filter((c) => !/^\S+ (IDLE|DONE)\b/.test(c) && c !== 'DONE')).toEqual([]);
  }, 60_000);
});
