import { describe, expect, it } from 'vitest';
import type { Mailbox } from './email-types.ts';
import { blankDraft, createBody, draftOf, patchBody, withSecurity } from './mailbox-form.ts';

const saved: Mailbox = {
  id: '0b9a7c1e-4f0e-4d7a-9a55-7d1f7c0f0a01',
  name: 'فروش',
  address: 'sales@example.com',
  kind: 'shared',
  ownerUserId: null,
  imap: { host: 'imap.example.com', port: 993, security: 'tls' },
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls' },
  username: 'sales@example.com',
  auth: 'password',
  syncDays: 90,
  extraFolders: [],
  createPeople: false,
  visibility: 'everything',
  readers: [],
  status: 'ready',
  lastError: null,
  lastErrorAt: null,
  lastSyncedAt: null,
  progress: { done: 10, total: 10, rate: null, secondsLeft: 0 },
  folders: [],
  skipped: 0,
  lastReconcile: null,
  lastGap: null,
  createdAt: '2026-12-01T10:00:00.000Z',
};

describe('the mailbox form', () => {
  it('connects a new mailbox with IMAP over TLS, the address as user name, and no SMTP unless asked', () => {
    const body = createBody({
      ...blankDraft(),
      name: ' Sara ',
      address: 'sara@example.com',
      imapHost: 'imap.example.com',
      secret: 'app-password',
    });
    expect(body).toEqual({
      name: 'Sara',
      address: 'sara@example.com',
      kind: 'personal',
      imap: { host: 'imap.example.com', port: 993, security: 'tls' },
      smtp: null,
      username: 'sara@example.com',
      auth: 'password',
      secret: 'app-password',
      syncDays: 90,
      createPeople: false,
      visibility: 'everything',
    });
  });

  it('moves the port with the security while it is the usual one, and keeps a port someone typed', () => {
    const starttls = withSecurity(blankDraft(), 'imap', 'starttls');
    expect([starttls.imapSecurity, starttls.imapPort]).toEqual(['starttls', 143]);
    const custom = withSecurity({ ...blankDraft(), imapPort: 1993 }, 'imap', 'starttls');
    expect(custom.imapPort).toBe(1993);
    const smtp = withSecurity(blankDraft(), 'smtp', 'tls');
    expect([smtp.smtpSecurity, smtp.smtpPort]).toEqual(['tls', 465]);
  });

  it('edits with the secret left empty meaning keep: an untouched form changes nothing', () => {
    const draft = draftOf(saved);
    expect(draft.secret).toBe('');
    expect(draft.useSmtp).toBe(true);
    expect(patchBody(draft, saved)).toEqual({});
  });

  it('sends only what changed: a new password, a new IMAP port, SMTP removed', () => {
    const draft = { ...draftOf(saved), secret: 'new-password', imapPort: 1993, useSmtp: false };
    expect(patchBody(draft, saved)).toEqual({
      secret: 'new-password',
      imap: { host: 'imap.example.com', port: 1993, security: 'tls' },
      smtp: null,
    });
    const renamed = { ...draftOf(saved), name: 'فروش ۲', visibility: 'subject' as const };
    expect(patchBody(renamed, saved)).toEqual({ name: 'فروش ۲', visibility: 'subject' });
  });
});
