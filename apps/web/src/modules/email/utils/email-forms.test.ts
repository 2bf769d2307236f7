import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../../api/client.ts';
import {
  addPendingSend,
  dismissPendingSend,
  pendingSends,
  subscribePendingSends,
  undoPendingSend,
} from './pending-sends.ts';
import {
  addDays,
  clockFormatter,
  clockTimes,
  defaultSendLater,
  lastDays,
  todayIn,
  zonedInstant,
} from './send-time.ts';
import { blankSequence, sequenceBody, sequenceDraftOf, stopReasonKey } from './sequence-form.ts';
import {
  blankTemplate,
  partField,
  partsWithProblems,
  previewDocument,
  templateBody,
  templateDraftOf,
} from './template-form.ts';

const template = {
  id: 't1',
  name: 'پیشنهاد قیمت',
  subject: 'Your quote, {{ person.firstName }}',
  bodyHtml: '<p>Hello {{ person.firstName }}</p>',
  variants: { fa: { subject: 'پیش‌فاکتور شما، {{ person.firstName }}', bodyHtml: '<p>سلام</p>' } },
  shared: true,
  ownerUserId: 'u1',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('the template form', () => {
  it('saves only the languages written in, and leaves a variant’s empty field to the default', () => {
    const draft = templateDraftOf(template);
    expect(draft.parts.fa.subject).toBe('پیش‌فاکتور شما، {{ person.firstName }}');
    expect(draft.parts.ar).toEqual({ subject: '', bodyHtml: '' });
    draft.parts.ar.subject = 'عرض السعر';
    draft.parts.en.bodyHtml = '   ';
    expect(templateBody(draft)).toEqual({
      name: 'پیشنهاد قیمت',
      subject: 'Your quote, {{ person.firstName }}',
      bodyHtml: '<p>Hello {{ person.firstName }}</p>',
      variants: {
        ar: { subject: 'عرض السعر' },
        fa: { subject: 'پیش‌فاکتور شما، {{ person.firstName }}', bodyHtml: '<p>سلام</p>' },
      },
      shared: true,
    });
    expect(templateBody(blankTemplate())).toMatchObject({ name: '', variants: {}, shared: false });
  });

  it('finds the tabs holding the server’s Liquid problems, the default first', () => {
    const error = new ApiError(400, {
      detail: 'The template has errors.',
      errors: [
        { field: 'body.variants.fa.subject', message: 'Not a valid template: output not closed' },
        { field: 'body.bodyHtml', message: 'Not a valid template: tag not closed' },
      ],
    });
    expect(partsWithProblems(error)).toEqual(['default', 'fa']);
    expect(partsWithProblems(new Error('network'))).toEqual([]);
    expect(partField('fa', 'subject')).toBe('variants.fa.subject');
    expect(partField('default', 'bodyHtml')).toBe('bodyHtml');
  });

  it('previews the HTML as a whole document in the part’s direction', () => {
    const doc = previewDocument('<p>سلام</p>', 'rtl');
    expect(doc).toMatch(/^<!doctype html><html dir="rtl">/);
    expect(doc).toContain('<body dir="rtl"><p>سلام</p></body>');
  });
});

describe('the sequence form', () => {
  it('sends steps and settings, leaving the time zone, weekend and cap to the workspace when unset', () => {
    const draft = blankSequence();
    draft.name = '  پیگیری پیش‌فاکتور ';
    draft.steps = [
      { templateId: 't1', delayDays: 0, asReply: false },
      { templateId: null, delayDays: 3, asReply: true },
    ];
    expect(sequenceBody(draft)).toEqual({
      name: 'پیگیری پیش‌فاکتور',
      enabled: true,
      steps: [
        { templateId: 't1', delayDays: 0, asReply: false },
        // No template chosen yet: an empty id, so the server names this step's field.
        { templateId: '', delayDays: 3, asReply: true },
      ],
      settings: { window: { start: '09:00', end: '17:00' }, stopOnCompanyReply: false },
    });
    draft.weekend = 'thu-fri';
    draft.timeZone = 'Asia/Tehran';
    draft.dailyCap = 40;
    expect(sequenceBody(draft).settings).toEqual({
      window: { start: '09:00', end: '17:00' },
      timeZone: 'Asia/Tehran',
      weekend: 'thu-fri',
      dailyCap: 40,
      stopOnCompanyReply: false,
    });
  });

  it('reads a saved sequence back into the form, with the default window when it has none', () => {
    const draft = sequenceDraftOf({
      id: 's1',
      name: 'Follow-up',
      steps: [{ templateId: 't1', delayDays: 2, asReply: true }],
      settings: { weekend: 'fri', stopOnCompanyReply: true },
      enabled: false,
      createdBy: 'u1',
      createdAt: '',
      updatedAt: '',
    });
    expect(draft).toMatchObject({
      enabled: false,
      windowStart: '09:00',
      windowEnd: '17:00',
      weekend: 'fri',
      timeZone: null,
      dailyCap: null,
      stopOnCompanyReply: true,
    });
  });

  it('names why an enrolment stopped, keeping a failure’s reason apart', () => {
    expect(stopReasonKey('company_replied')).toEqual({ key: 'company_replied', detail: null });
    expect(stopReasonKey('failed: The person has no email address.')).toEqual({
      key: 'failed',
      detail: 'The person has no email address.',
    });
    expect(stopReasonKey('something new')).toEqual({ key: 'other', detail: 'something new' });
    expect(stopReasonKey(null)).toBeNull();
  });
});

describe('send times in the sender’s time zone', () => {
  it('turns a date and a clock time in Tehran into the instant the API takes', () => {
    // Iran keeps +03:30 all year.
    expect(zonedInstant('2026-03-21', '09:00', 'Asia/Tehran')).toBe('2026-03-21T05:30:00.000Z');
    expect(zonedInstant('2026-12-31', '23:45', 'Asia/Riyadh')).toBe('2026-12-31T20:45:00.000Z');
  });

  it('lands on the right instant on both sides of a change of offset', () => {
    // Berlin moves from +01:00 to +02:00 at 02:00 on 29 March 2026.
    expect(zonedInstant('2026-03-29', '01:30', 'Europe/Berlin')).toBe('2026-03-29T00:30:00.000Z');
    expect(zonedInstant('2026-03-29', '09:00', 'Europe/Berlin')).toBe('2026-03-29T07:00:00.000Z');
  });

  it('knows today in the zone, and starts "send later" at nine tomorrow morning', () => {
    const late = new Date('2026-03-20T21:00:00Z'); // already 00:30 on the 21st in Tehran
    expect(todayIn('Asia/Tehran', late)).toBe('2026-03-21');
    expect(todayIn('UTC', late)).toBe('2026-03-20');
    expect(defaultSendLater('Asia/Tehran', late)).toEqual({ date: '2026-03-22', time: '09:00' });
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  });

  it('bounds the last 30 days by the zone’s midnights', () => {
    const now = new Date('2026-03-21T10:00:00Z');
    expect(lastDays('Asia/Tehran', 30, now)).toEqual({
      from: '2026-02-19T20:30:00.000Z',
      to: '2026-03-21T20:30:00.000Z',
    });
  });

  it('offers a day’s quarter hours, written in the user’s digits', () => {
    const times = clockTimes(15);
    expect(times).toHaveLength(96);
    expect(times.slice(0, 3)).toEqual(['00:00', '00:15', '00:30']);
    expect(clockFormatter({ locale: 'fa', digits: 'arabext' })('09:30')).toBe('۰۹:۳۰');
    expect(clockFormatter({ locale: 'en', digits: 'latn' })('17:00')).toBe('17:00');
  });
});

describe('sends waiting to be undone', () => {
  afterEach(() => {
    for (const p of pendingSends()) dismissPendingSend(p.id);
    vi.useRealTimers();
  });

  it('shows a send until its undo time is over, then lets what shows the message refresh', () => {
    vi.useFakeTimers();
    const gone = vi.fn();
    const changes = vi.fn();
    const stop = subscribePendingSends(changes);
    addPendingSend({
      id: 'o1',
      subject: 'سلام',
      until: Date.now() + 10_000,
      scheduledFor: null,
      onGone: gone,
    });
    expect(pendingSends().map((p) => [p.id, p.state])).toEqual([['o1', 'waiting']]);
    vi.advanceTimersByTime(9_900);
    expect(gone).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(gone).toHaveBeenCalledOnce();
    expect(pendingSends()).toEqual([]);
    expect(changes).toHaveBeenCalledTimes(2);
    stop();
  });

  it('undoes a send: the outbox entry is cancelled and the composer opens again', async () => {
    const undone = vi.fn();
    const cancelled: string[] = [];
    addPendingSend({
      id: 'o2',
      subject: 'x',
      until: Date.now() + 10_000,
      scheduledFor: null,
      onUndone: undone,
    });
    await undoPendingSend('o2', async (id) => {
      cancelled.push(id);
    });
    expect(cancelled).toEqual(['o2']);
    expect(undone).toHaveBeenCalledOnce();
    expect(pendingSends()[0]?.state).toBe('undone');
    // Undoing twice does nothing more.
    await undoPendingSend('o2', async (id) => {
      cancelled.push(id);
    });
    expect(cancelled).toEqual(['o2']);
  });

  it('says a send the server already took was too late to undo', async () => {
    const undone = vi.fn();
    addPendingSend({
      id: 'o3',
      subject: 'x',
      until: Date.now() + 10_000,
      scheduledFor: null,
      onUndone: undone,
    });
    await undoPendingSend('o3', async () => {
      throw new ApiError(409, { detail: 'The message is already sent.' });
    });
    expect(pendingSends()[0]).toMatchObject({ state: 'late', error: null });
    expect(undone).not.toHaveBeenCalled();
    addPendingSend({ id: 'o4', subject: 'x', until: Date.now() + 10_000, scheduledFor: null });
    await undoPendingSend('o4', async () => {
      throw new ApiError(404, { detail: 'There is no send o4.' });
    });
    expect(pendingSends().find((p) => p.id === 'o4')).toMatchObject({
      state: 'failed',
      error: 'There is no send o4.',
    });
  });
});
