import type { ImapFlow } from 'imapflow';
import type * as Nodemailer from 'nodemailer';
import { lazyPackage } from '../lazy-package.ts';
import type { MailboxRow } from './email.repository.ts';
import { connectImap } from './imap-sync.ts';
import { mailHostAddress } from './mail-host.ts';
import type { MailDeps } from './mailboxes.service.ts';
import { smtpOptions } from './mailboxes.service.ts';

const nodemailer = lazyPackage<typeof Nodemailer>('nodemailer');

// Connections kept open per mailbox while it sends: a pooled SMTP transport, and one IMAP connection that appends
// copies to Sent one after another. A mailbox's settings version is part of the key, so changed credentials get
// new connections; one idle for a minute is closed.

const IDLE_MS = 60_000;

type Mailbox = Pick<
  MailboxRow,
  | 'id'
  | 'settings_version'
  | 'secret'
  | 'username'
  | 'auth'
  | 'smtp_host'
  | 'smtp_port'
  | 'smtp_security'
  | 'imap_host'
  | 'imap_port'
  | 'imap_security'
>;

interface Kept<T> {
  value: Promise<T>;
  timer: NodeJS.Timeout;
  close(value: T): void;
}

/** Every keeper's way to close all it holds (the process is stopping). */
const closers: (() => void)[] = [];

/** Closes every kept SMTP and IMAP connection (a server or worker stopping). */
export function closeMailConnections(): void {
  for (const close of closers) close();
}

function keeper<T>(open: (mailbox: Mailbox, deps: MailDeps) => Promise<T>, close: (value: T) => void) {
  const kept = new Map<string, Kept<T>>();
  closers.push(() => {
    for (const key of [...kept.keys()]) drop(key);
  });
  const drop = (key: string) => {
    const k = kept.get(key);
    if (!k) return;
    kept.delete(key);
    clearTimeout(k.timer);
    k.value.then(k.close, () => {});
  };
  return {
    get(mailbox: Mailbox, deps: MailDeps): Promise<T> {
      const key = `${mailbox.id}:${mailbox.settings_version}`;
      let k = kept.get(key);
      if (!k) {
        const value = open(mailbox, deps);
        k = { value, timer: setTimeout(() => drop(key), IDLE_MS), close };
        kept.set(key, k);
        value.catch(() => drop(key));
      }
      k.timer.refresh();
      k.timer.unref();
      return k.value;
    },
    drop(mailbox: Mailbox) {
      drop(`${mailbox.id}:${mailbox.settings_version}`);
    },
  };
}

const transports = keeper(
  async (mailbox, deps) => {
    const secret = (await deps.secrets.get()).open(mailbox.secret);
    const host = await mailHostAddress(mailbox.smtp_host!, 'smtp.host', deps.allowPrivate);
    return nodemailer().createTransport({
      ...smtpOptions(
        { host: mailbox.smtp_host!, port: mailbox.smtp_port!, security: mailbox.smtp_security! },
        host,
        mailbox.username,
        mailbox.auth,
        secret,
      ),
      pool: true,
      maxConnections: 3,
    });
  },
  (transport) => transport.close(),
);

/** Sends a raw message through the mailbox's pooled SMTP transport (a failed transport is not kept). */
export async function sendRaw(
  mailbox: Mailbox,
  deps: MailDeps,
  envelope: { from: string; to: string[] },
  raw: Buffer,
): Promise<void> {
  const transport = await transports.get(mailbox, deps);
  try {
    await transport.sendMail({ envelope, raw });
  } catch (error) {
    transports.drop(mailbox);
    throw error;
  }
}

interface Appender {
  client: ImapFlow;
  sent: string | undefined;
  queue: Promise<unknown>;
}

const appenders = keeper(
  async (mailbox, deps): Promise<Appender> => {
    const client = await connectImap(mailbox, deps);
    client.on('error', () => appenders.drop(mailbox));
    client.on('close', () => appenders.drop(mailbox));
    // Gmail keeps its own copy of what its SMTP sends: none is added there.
    const sent = client.capabilities.has('X-GM-EXT-1')
      ? undefined
      : (await client.list()).find((f) => f.specialUse === '\\Sent')?.path;
    return { client, sent, queue: Promise.resolve() };
  },
  (appender) => {
    appender.client.logout().catch(() => appender.client.close());
  },
);

/** Keeps a copy in the mailbox's Sent folder over its kept IMAP connection, one append at a time. */
export async function appendToSent(mailbox: Mailbox, deps: MailDeps, raw: Buffer): Promise<void> {
  const appender = await appenders.get(mailbox, deps);
  const sent = appender.sent;
  if (!sent) return;
  const done = appender.queue.then(() => appender.client.append(sent, raw, ['\\Seen']));
  appender.queue = done.catch(() => {});
  try {
    await done;
  } catch (error) {
    appenders.drop(mailbox);
    throw error;
  }
}
