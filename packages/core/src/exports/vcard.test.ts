import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { multipartForm as form } from '../../../../test/multipart.ts';
import { runImport } from '../imports/imports.service.ts';
import { foldLine, personToVCard, toICalendarComponent } from './vcard.ts';

describe('vCard and iCalendar', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof signUp>>;
  let b: Awaited<ReturnType<typeof signUp>>;
  const call = (method: 'GET' | 'POST', url: string, payload?: object, cookie = a.cookie) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers: { cookie }, ...(payload ? { payload } : {}) });
  const importFile = async (file: Buffer, filename: string, cookie: string, workspaceId: string) => {
    const body = form({ object: 'people', matchBy: 'emails' }, file, filename);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie },
    });
    expect(res.statusCode, res.body).toBe(202);
    await runImport(t.handle.db, workspaceId, res.json().id);
    return (await call('GET', `/imports/${res.json().id}`, undefined, cookie)).json();
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    a = await signUp(t.app);
    b = await signUp(t.app);
    const acme = (await call('POST', '/objects/companies', { name: 'Acme, Inc.' })).json();
    await call('POST', '/objects/people', {
      firstName: 'سارا',
      lastName: 'احمدی; Ahmadi',
      emails: ['sara@acme.example', { address: 'sara.home@example.com' }],
      phones: ['+989123456789'],
      jobTitle: 'Chief Technology Officer and a title long enough to need folding in a vCard line',
      company: acme.id,
      address: { city: 'Tehran', country: 'IR' },
      tags: ['vip'],
    });
    await call('POST', '/objects/tasks', {
      title: 'Call Sara',
      dueAt: '2026-12-01T09:00:00Z',
      priority: 'high',
    });
    await call('POST', '/objects/activities', {
      type: 'meeting',
      subject: 'Kick-off',
      occurredAt: '2026-12-02T10:00:00Z',
      durationSeconds: 3600,
    });
    await call('POST', '/objects/activities', { type: 'call', subject: 'Not a meeting' });
  });
  afterAll(() => t?.close());

  it('exports people as vCard 4.0 and imports them back into another workspace', async () => {
    const res = await call('GET', '/objects/people/export?format=vcf');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/vcard/);
    const text = res.body;
    expect(text).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\n/);
    expect(text).toContain('N:احمدی\\; Ahmadi;سارا;;;');
    expect(text).toContain('EMAIL;PREF=1:sara@acme.example');
    expect(text).toContain('TEL;VALUE=uri;PREF=1:tel:+989123456789');
    expect(text).toContain('ORG:Acme\\, Inc.');
    expect(text).toContain('ADR:;;;Tehran;;;IR');
    for (const l of text.split('\r\n')) expect(Buffer.byteLength(l)).toBeLessThanOrEqual(75);

    const view = await importFile(Buffer.from(text), 'people.vcf', b.cookie, b.workspaceId);
    expect(view).toMatchObject({ status: 'done', format: 'vcf', counts: { created: 1, rejected: 0 } });
    const [person] = (await call('GET', '/objects/people', undefined, b.cookie)).json().data;
    expect(person).toMatchObject({
      firstName: 'سارا',
      lastName: 'احمدی; Ahmadi',
      jobTitle: 'Chief Technology Officer and a title long enough to need folding in a vCard line',
      address: { city: 'Tehran', country: 'IR' },
      tags: ['vip'],
    });
    expect(person.emails.map((e: { address: string }) => e.address)).toEqual([
      'sara@acme.example',
      'sara.home@example.com',
    ]);
    const company = (await call('GET', `/objects/companies/${person.company}`, undefined, b.cookie)).json();
    expect(company.name).toBe('Acme, Inc.');
  });

  it('reads vCard 3.0 with folded lines, grouped properties and parameters', async () => {
    const card = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Omar Haddad',
      'item1.EMAIL;TYPE=INTERNET,WORK:omar@',
      ' example.com',
      'TEL;TYPE=CELL:+966 50 123 4567',
      'ORG:Haddad Trading;Sales',
      'END:VCARD',
      'BEGIN:VCARD',
      'VERSION:3.0',
      'N:;;;;',
      'EMAIL:broken-address',
      'END:VCARD',
      '',
    ].join('\r\n');
    const view = await importFile(Buffer.from(card), 'contacts.vcf', b.cookie, b.workspaceId);
    expect(view.counts).toMatchObject({ created: 1, rejected: 1 });
    const [omar] = (
      await call(
        'GET',
        `/objects/people?filter=${encodeURIComponent('{"field":"firstName","op":"eq","value":"Omar"}')}`,
        undefined,
        b.cookie,
      )
    ).json().data;
    expect(omar).toMatchObject({
      lastName: 'Haddad',
      emails: [{ address: 'omar@example.com', primary: true }],
    });
    expect(omar.phones[0].e164).toBe('+966501234567');
  });

  it('exports tasks as VTODO and meetings as VEVENT in iCalendar, and refuses formats that do not fit', async () => {
    const tasks = await call('GET', '/objects/tasks/export?format=ics');
    expect(tasks.headers['content-type']).toMatch(/text\/calendar/);
    expect(tasks.body).toMatch(/^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\n/);
    expect(tasks.body).toContain('BEGIN:VTODO');
    expect(tasks.body).toContain('SUMMARY:Call Sara');
    expect(tasks.body).toContain('DUE:20261201T090000Z');
    expect(tasks.body).toContain('PRIORITY:3');
    expect(tasks.body.trimEnd().endsWith('END:VCALENDAR')).toBe(true);
    const meetings = await call('GET', '/objects/activities/export?format=ics');
    expect(meetings.body).toContain('SUMMARY:Kick-off');
    expect(meetings.body).toContain('DTSTART:20261202T100000Z');
    expect(meetings.body).toContain('DTEND:20261202T110000Z');
    expect(meetings.body).not.toContain('Not a meeting');
    expect((await call('GET', '/objects/companies/export?format=vcf')).statusCode).toBe(400);
    expect((await call('GET', '/objects/people/export?format=ics')).statusCode).toBe(400);
  });

  it('folds long lines at 75 octets without splitting a character', () => {
    const folded = foldLine(`NOTE:${'ب'.repeat(100)}`);
    for (const part of folded.split('\r\n')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(folded.replace(/\r\n /g, '')).toBe(`NOTE:${'ب'.repeat(100)}`);
  });
});

/** The control characters (but tab) and Unicode line separators in a text, by code point. */
const controlsIn = (text: string) =>
  [...text]
    .map((c) => c.codePointAt(0)!)
    .filter((c) => (c < 0x20 && c !== 9) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029);

describe('vCard and iCalendar values with control characters', () => {
  const person = {
    id: '00000000-0000-4000-8000-000000000001',
    firstName: 'Eve\rEND:VCARD\rBEGIN:VCARD',
    lastName: 'Line\u2028Sep\u0085Next',
    jobTitle: 'Boss\u0000\u0007\u001b[31m\u007f\u009b tab\there',
    emails: [{ address: 'eve@example.com\r\nX-EVIL:1', primary: true }],
    phones: [],
    address: { city: 'Here\rX-ADR:1' },
    tags: ['a\rb'],
  };

  it('writes each value on its own line: a bare CR, NEL, LS and PS become \\n and other controls are dropped', () => {
    const card = personToVCard(person as never, 'Acme\r\nORG:Fake');
    const lines = card.split('\r\n');
    // Every physical line is a property or a fold; no value starts a line of its own.
    for (const l of lines.slice(0, -1)) expect(l).toMatch(/^(?:[A-Z-]+[;:]| )/);
    expect(card.match(/[\r\n]/g)?.length).toBe(lines.length * 2 - 2);
    expect(controlsIn(card.replace(/\r\n/g, ''))).toEqual([]);
    expect(card.match(/^BEGIN:VCARD/gm)).toHaveLength(1);
    expect(card.match(/^END:VCARD/gm)).toHaveLength(1);
    expect(card.replace(/\r\n /g, '')).toContain('FN:Eve\\nEND:VCARD\\nBEGIN:VCARD Line\\nSep\\nNext');
    expect(card).toContain('TITLE:Boss[31m tab\there');
    expect(card).toContain('ORG:Acme\\nORG:Fake');
  });

  it('does the same in iCalendar summaries and descriptions', () => {
    const event = toICalendarComponent(
      'activities',
      {
        id: 'a1',
        subject: 'Hi\rEND:VEVENT',
        body: 'x\r\rBEGIN:VALARM\u0000',
        occurredAt: '2026-12-02T10:00:00Z',
      } as never,
      '2026-12-01T00:00:00Z',
    );
    const todo = toICalendarComponent(
      'tasks',
      { id: 't1', title: 'T\rSTATUS:COMPLETED' } as never,
      '2026-12-01T00:00:00Z',
    );
    for (const text of [event, todo]) {
      for (const l of text.split('\r\n').slice(0, -1)) expect(l).toMatch(/^(?:[A-Z-]+[;:]| )/);
      expect(controlsIn(text.replace(/\r\n/g, ''))).toEqual([]);
    }
    expect(event.match(/^END:VEVENT/gm)).toHaveLength(1);
    expect(event).toContain('SUMMARY:Hi\\nEND:VEVENT');
    expect(event).toContain('DESCRIPTION:x\\n\\nBEGIN:VALARM');
    expect(todo.match(/^STATUS:/gm)).toHaveLength(1);
  });
});
