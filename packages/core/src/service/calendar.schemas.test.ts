import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

// The business calendars' routes declare exact shapes: the OpenAPI document (and so the web app's generated types)
// says what a calendar is, and hostile or malformed definitions are refused at the edge, naming the field.

const r = (from: string, to: string) => ({ from, to });
const riyadh = {
  timeZone: 'Asia/Riyadh',
  hours: {
    7: [r('08:00', '12:00'), r('16:00', '20:00')],
    1: [r('08:00', '12:00'), r('16:00', '20:00')],
    4: [r('22:00', '06:00')],
  },
  holidays: ['2026-03-20'],
  specialDays: { '2026-02-18': [r('10:00', '15:00')] },
  holidayNotes: {
    '2026-03-20': { name: { en: 'Eid al-Fitr', ar: 'عيد الفطر', fa: 'عید فطر' }, estimated: true },
  },
};

interface JsonSchema {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
}

describe('business calendars: typed in the API, checked at the edge', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('describes a calendar’s definition exactly in the OpenAPI document', async () => {
    const doc = (
      await t.app.inject({ url: '/api/v1/openapi.json', headers: { cookie: admin.cookie } })
    ).json() as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>
      >;
      components: { schemas: Record<string, JsonSchema> };
    };
    const schemas = doc.components.schemas;
    const resolve = (s: JsonSchema | undefined): JsonSchema | undefined =>
      s?.$ref ? schemas[s.$ref.split('/').at(-1)!] : s;
    // In answers.
    const answer = resolve(resolve(schemas.SlaCalendar)?.properties?.definition);
    expect(answer?.type).toBe('object');
    expect(answer?.required).toEqual(expect.arrayContaining(['timeZone', 'hours', 'holidays']));
    expect(Object.keys(answer?.properties?.hours?.properties ?? {})).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
    ]);
    const range = resolve(answer?.properties?.hours?.properties?.['1']?.items);
    expect(Object.keys(range?.properties ?? {})).toEqual(['from', 'to']);
    expect(answer?.properties?.holidays?.type).toBe('array');
    // In requests, creating and changing.
    for (const [path, method] of [
      ['/api/v1/service/calendars', 'post'],
      ['/api/v1/service/calendars/{id}', 'patch'],
    ] as const) {
      const body = resolve(doc.paths[path]?.[method]?.requestBody?.content['application/json']?.schema);
      const definition = resolve(body?.properties?.definition);
      expect(definition?.type, `${method} ${path}`).toBe('object');
      expect(Object.keys(definition?.properties ?? {})).toEqual(
        expect.arrayContaining(['timeZone', 'hours', 'holidays', 'specialDays', 'holidayNotes']),
      );
    }
    // What generating holidays answers names which holiday each is.
    const generated = doc.paths['/api/v1/service/calendars/{id}/holidays/generate']?.post as unknown as {
      responses: Record<string, { content: Record<string, { schema: JsonSchema }> }>;
    };
    const holiday = resolve(
      resolve(generated.responses['200']?.content['application/json']?.schema)?.properties?.holidays?.items,
    );
    expect(holiday?.properties?.kind?.enum).toEqual(
      expect.arrayContaining(['nowruz', 'eid-al-fitr', 'ashura']),
    );
  });

  it('gives a calendar back as it was sent: several ranges a day, an overnight shift, holidays and their notes', async () => {
    const created = await call('POST', '/service/calendars', { name: 'الرياض', definition: riyadh });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().definition).toEqual(JSON.parse(JSON.stringify(riyadh)));
    const changed = await call('PATCH', `/service/calendars/${created.json().id}`, {
      definition: { ...riyadh, hours: { ...riyadh.hours, 2: [r('09:00', '13:00'), r('14:00', '18:00')] } },
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().definition.hours['2']).toEqual([r('09:00', '13:00'), r('14:00', '18:00')]);
    const listed = (await call('GET', '/service/calendars')).json().data as { definition: unknown }[];
    expect(listed.map((c) => c.definition)).toContainEqual(changed.json().definition);
  });

  it('refuses hostile and malformed definitions with a 400 naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ ...riyadh, timeZone: 'Asia/Riyadh\u0000' }, 'body.definition.timeZone'],
      [{ ...riyadh, timeZone: 'x'.repeat(10_000) }, 'body.definition.timeZone'],
      [{ ...riyadh, hours: { 8: [r('08:00', '12:00')] } }, 'body.definition.hours'],
      [{ ...riyadh, hours: { 1: [r('08:00', '24:00')] } }, 'body.definition.hours.1.0.to'],
      [{ ...riyadh, hours: { 1: [{ from: '08:00' }] } }, 'body.definition.hours.1.0.to'],
      [{ ...riyadh, hours: { 1: [r('08:00', '12:00'), r('11:00', '13:00')] } }, 'body.definition.hours.1'],
      [
        {
          ...riyadh,
          hours: { 1: Array.from({ length: 13 }, (_, i) => r(`0${i % 10}:00`, `0${i % 10}:30`)) },
        },
        'body.definition.hours.1',
      ],
      [{ ...riyadh, hours: {} }, 'body.definition.hours'],
      [{ ...riyadh, holidays: ['2026-02-30'] }, 'body.definition.holidays.0'],
      [{ ...riyadh, holidays: 'all of them' }, 'body.definition.holidays'],
      [{ ...riyadh, specialDays: { tomorrow: [] } }, 'body.definition.specialDays'],
      [
        { ...riyadh, holidayNotes: { '2026-03-20': { name: 'Eid \ud800' } } },
        'body.definition.holidayNotes.2026-03-20.name',
      ],
      [
        { ...riyadh, holidayNotes: { '2026-03-21': { name: 'Not a holiday' } } },
        'body.definition.holidayNotes.2026-03-21',
      ],
      [{ ...riyadh, calendar: 'persian' }, 'body.definition'],
      [null, 'body.definition'],
    ];
    for (const [definition, field] of cases) {
      const response = await call('POST', '/service/calendars', { name: 'Bad', definition });
      expect(response.statusCode, JSON.stringify(definition).slice(0, 200)).toBe(400);
      const fields = (response.json().errors as { field: string }[]).map((e) => e.field);
      // The field itself, or a part of it (`specialDays.tomorrow` under `specialDays`).
      expect(
        fields.some((f) => f === field || f.startsWith(`${field}.`)),
        `${JSON.stringify(definition).slice(0, 200)}: ${fields.join(', ')}`,
      ).toBe(true);
    }
  });
});
