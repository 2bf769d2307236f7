import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../api/client.ts';
import {
  emailEntryOf,
  frameHeight,
  recordAddresses,
  replyDraft,
  replySubject,
  splitAddresses,
} from './email-entry.ts';
import { allPlaced, problemFor } from './field-problem.ts';
import { formatDuration, formatSize, percentOf } from './units.ts';

const entry = {
  kind: 'email',
  id: 'm1',
  at: '2026-12-04T10:00:00.000Z',
  threadId: 't1',
  access: 'full',
  subject: 'درخواست پیش‌فاکتور',
  from: { address: 'maryam@customer.example', name: 'مریم' },
  to: [{ address: 'sara@example.com', name: '' }],
  cc: [],
  sentAt: '2026-12-04T10:00:00.000Z',
  snippet: 'سلام',
  direction: 'in',
  autoReply: false,
  hasAttachments: true,
};
const mailboxes = [
  { id: 'mb-read-only', address: 'support@example.com', smtp: null },
  { id: 'mb-sara', address: 'Sara@Example.com', smtp: { host: 'smtp', port: 25, security: 'none' as const } },
  {
    id: 'mb-other',
    address: 'other@example.com',
    smtp: { host: 'smtp', port: 25, security: 'none' as const },
  },
];

describe('an email on the timeline', () => {
  it('reads the entry’s fields, and refuses an entry that is not an email', () => {
    const e = emailEntryOf(entry);
    expect(e).toMatchObject({
      id: 'm1',
      threadId: 't1',
      access: 'full',
      direction: 'in',
      hasAttachments: true,
    });
    expect(e?.from).toEqual({ address: 'maryam@customer.example', name: 'مریم' });
    expect(emailEntryOf({ ...entry, access: 'secret' })).toBeNull();
    expect(emailEntryOf({ kind: 'task', id: 'x', at: '' })).toBeNull();
    // A reader who sees only who and when gets no subject and no snippet.
    expect(emailEntryOf({ ...entry, access: 'metadata', subject: null, snippet: null })).toMatchObject({
      subject: null,
      snippet: null,
    });
  });

  it('replies through the mailbox that received the message, to its sender, with Re: once', () => {
    const e = emailEntryOf(entry)!;
    expect(replyDraft(e, mailboxes)).toEqual({
      mailboxId: 'mb-sara',
      to: ['maryam@customer.example'],
      subject: 'Re: درخواست پیش‌فاکتور',
      replyTo: 'm1',
    });
    // A message we sent: the reply goes to its recipients again.
    const sent = emailEntryOf({
      ...entry,
      direction: 'out',
      from: { address: 'sara@example.com', name: 'Sara' },
      to: [{ address: 'maryam@customer.example', name: '' }],
    })!;
    expect(replyDraft(sent, mailboxes).to).toEqual(['maryam@customer.example']);
    expect(replySubject('پاسخ: قرارداد')).toBe('پاسخ: قرارداد');
    expect(replySubject('RE: Contract')).toBe('RE: Contract');
    expect(replySubject(null)).toBe('Re: ');
  });

  it('falls back to the first mailbox that can send when none of them is on the message', () => {
    const e = emailEntryOf({ ...entry, to: [{ address: 'someone@else.example', name: '' }] })!;
    expect(replyDraft(e, mailboxes).mailboxId).toBe('mb-sara');
    expect(replyDraft(e, []).mailboxId).toBeNull();
  });
});

describe('the composer’s helpers', () => {
  it('splits addresses on commas (Latin or Persian), semicolons and spaces', () => {
    expect(splitAddresses(' a@x.example, b@y.example;c@z.example،d@w.example \n')).toEqual([
      'a@x.example',
      'b@y.example',
      'c@z.example',
      'd@w.example',
    ]);
    expect(splitAddresses('  ')).toEqual([]);
  });

  it('takes a person’s addresses, the primary one first, stored as objects or text', () => {
    expect(
      recordAddresses({
        emails: [
          { address: 'old@x.example', primary: false },
          { address: 'main@x.example', primary: true },
        ],
      }),
    ).toEqual(['main@x.example', 'old@x.example']);
    expect(recordAddresses({ emails: ['a@x.example'] })).toEqual(['a@x.example']);
    expect(recordAddresses({ name: 'A company' })).toEqual([]);
  });

  it('finds the server’s problem for an input, including one inside a list', () => {
    const error = new ApiError(400, {
      detail: 'bad',
      errors: [
        { field: 'body.to.1', message: 'Not an address.' },
        { field: 'body.imapHost', message: 'Could not be resolved.' },
      ],
    });
    expect(problemFor(error, 'to')).toBe('Not an address.');
    expect(problemFor(error, 'imap.host', 'imapHost')).toBe('Could not be resolved.');
    expect(problemFor(error, 'subject')).toBeUndefined();
    expect(problemFor(new Error('x'), 'to')).toBeUndefined();
    expect(allPlaced(error, ['to', 'imapHost'])).toBe(true);
    expect(allPlaced(error, ['to'])).toBe(false);
  });
});

describe('sizes, durations and heights', () => {
  const en = { locale: 'en', calendar: 'gregory', timeZone: 'UTC', digits: 'latn' } as const;
  const fa = { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran', digits: 'arabext' } as const;

  it('says time left in seconds, minutes or hours, in the reader’s digits', () => {
    expect(formatDuration(42, en)).toBe('42 seconds');
    expect(formatDuration(600, en)).toBe('10 minutes');
    expect(formatDuration(2 * 3600, en)).toBe('2 hours');
    expect(formatDuration(600, fa)).toContain('۱۰');
  });

  it('says sizes in bytes, kilobytes or megabytes', () => {
    expect(formatSize(500, en)).toBe('500 bytes');
    expect(formatSize(2048, en)).toBe('2 kilobytes');
    expect(formatSize(3.5 * 1024 * 1024, en)).toBe('3.5 megabytes');
  });

  it('gives a frame a height from its text, between a few lines and most of a screen', () => {
    expect(frameHeight(null)).toBe(140);
    expect(frameHeight('one line')).toBe(140);
    expect(frameHeight('line\n'.repeat(10))).toBe(11 * 24 + 48);
    expect(frameHeight('x'.repeat(100_000))).toBe(560);
  });

  it('shows progress as a share of the whole, 0 while the total is unknown', () => {
    expect(percentOf(5, 10)).toBe(50);
    expect(percentOf(0, 0)).toBe(0);
    expect(percentOf(12, 10)).toBe(100);
  });
});
