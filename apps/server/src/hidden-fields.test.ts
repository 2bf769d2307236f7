// The hidden-field walk: every object (standard and a custom one) × every field hidden in turn × every read
// surface any installed module registers. A hidden field's value (a marker no other field holds) must never
// appear, nor its key in a record's shape, on any surface. A surface a module registers without a probe here
// fails the walk, so a later module cannot forget to join it.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registry } from '@rabita/core';
import ExcelJS from 'exceljs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuePrintToken } from '../../../packages/core/src/reports/pdf-print.ts';
import { apiCaller, createTestApp, joinByInvitation, signUp, type TestApp } from '../../../test/harness.ts';

interface FieldMeta {
  key: string;
  type: string;
  readOnly?: boolean;
  options?: { value: string }[];
  relation?: { object: string; many?: boolean };
}
interface ObjectMeta {
  key: string;
  fields: FieldMeta[];
  titleFields: string[];
}

const SYSTEM = new Set(['id', 'createdAt', 'updatedAt', 'createdBy', 'owner']);
// Objects whose records the walk creates; pipelines and stages are configuration the deals refer to.
const WALKED = ['people', 'companies', 'leads', 'deals', 'activities', 'tasks', 'projects'];
const ALL = { read: true, create: true, update: true, delete: true };

/**
 * A word no other field holds, found by search: letters only, so every tier matches it whole, and drawn from a
 * hash of the object, field and round, so two markers share no more than their first letters (a near-word search
 * for one never finds another).
 */
const marker = (object: string, field: string, round = '') =>
  `zq${createHash('sha256')
    .update(`${object}.${field}.${round}`)
    .digest()
    .subarray(0, 12)
    .reduce((word, byte) => word + String.fromCharCode(97 + (byte % 26)), '')}`;

/** A phone number no other field holds (an Iranian mobile number in E.164), drawn like the markers. */
const phoneMarker = (object: string, field: string, round = '') =>
  `+98912${createHash('sha256')
    .update(`phone.${object}.${field}.${round}`)
    .digest()
    .subarray(0, 7)
    .reduce((digits, byte) => digits + String(byte % 10), '')}`;

/** What a hidden field's value must never show as: its marker, or for a phone field its number. */
const needle = (object: string, f: { key: string; type: string }, round = '') =>
  f.type === 'phone' || f.type === 'phones'
    ? phoneMarker(object, f.key, round)
    : marker(object, f.key, round);

/** A value of the field's type carrying the marker where the type can carry text. */
function valueFor(object: string, f: FieldMeta, round = ''): unknown {
  // A task's link says which record it is on: kept, so the task stays on the person's timeline.
  if (object === 'tasks' && (f.key === 'linkedObject' || f.key === 'linkedRecord')) return undefined;
  // A deal's win or loss reason names one of the workspace's reasons (checked on write): left empty.
  if (object === 'deals' && f.key === 'closeReason') return undefined;
  const m = marker(object, f.key, round);
  switch (f.type) {
    case 'text':
    case 'longText':
      return m;
    case 'url':
      return `https://${m}.example.com`;
    case 'email':
      return `${m}@example.com`;
    case 'emails':
      return [`${m}@example.com`];
    case 'address':
      return { street: m, city: m };
    case 'tags':
      return [m];
    case 'phone':
      return phoneMarker(object, f.key, round);
    case 'phones':
      return [phoneMarker(object, f.key, round)];
    default:
      return undefined;
  }
}

describe('hidden fields never leave the record engine', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let restricted: { userId: string; cookie: string };
  let objects: ObjectMeta[];
  const records = new Map<string, string>();
  let personId: string;
  let baseUrl: string;
  let owner: pg.Client;
  let webhookPayloads = 0;
  let workflowRuns = 0;
  /** Per walked object, a workflow the restricted member owns (its runs act with their role). */
  const workflows = new Map<string, string>();
  /** An email template of the restricted member's that merges every field of the record it is rendered for. */
  let template = '';
  /** A ticket of the walked person and company, and a canned reply of the restricted member merging them. */
  let deskTicket: { ticket: string; reply: string } | undefined;
  /** The field of each object hidden in the current round. */
  const hiddenNow = new Map<string, FieldMeta>();
  /** The current round's suffix: a hidden field's value was changed to its marker for the round. */
  let roundNow = '';
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    // Private addresses for the calls too: the recordings the walk gives its calls are served on loopback.
    t = await createTestApp({ RABITA_WEBHOOKS_ALLOW_PRIVATE: 'true', RABITA_CALLS_ALLOW_PRIVATE: 'true' });
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    admin = await signUp(t.app);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;

    // A custom object with a text title field (not searchable: its document holds it as the title all the same)
    // and a second, searchable text field.
    expect(
      (
        await call('POST', '/metadata/objects', {
          key: 'projects',
          labels: { singular: { en: 'Project' }, plural: { en: 'Projects' } },
        })
      ).statusCode,
    ).toBe(201);
    for (const key of ['codename', 'budgetNote'])
      expect(
        (
          await call('POST', '/metadata/objects/projects/fields', {
            key,
            type: 'text',
            labels: { en: key },
            searchable: key !== 'codename',
          })
        ).statusCode,
      ).toBe(201);
    expect((await call('PATCH', '/metadata/objects/projects', { titleField: 'codename' })).statusCode).toBe(
      200,
    );

    const role = await call('POST', '/roles', {
      key: 'restricted',
      name: 'Restricted',
      permissions: {
        actions: ['apiKeys.manage', 'workflows.manage', 'sales.forms.manage', 'calls.read'],
        objects: { '*': ALL },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    restricted = await joinByInvitation(t.app, admin.cookie, {
      email: 'restricted@example.com',
      role: 'restricted',
      name: 'Restricted',
    });
    // A webhook the restricted member made speaks with their role.
    const hook = await call(
      'POST',
      '/webhooks',
      { url: 'http://127.0.0.1:9/hook', objects: ['*'], events: ['created', 'updated'] },
      restricted.cookie,
    );
    expect(hook.statusCode, hook.body).toBe(201);

    const meta = (await call('GET', '/metadata/objects')).json() as { data: ObjectMeta[] } | ObjectMeta[];
    objects = (Array.isArray(meta) ? meta : meta.data).filter((o) => WALKED.includes(o.key));
    expect(objects.map((o) => o.key).sort()).toEqual([...WALKED].sort());

    const person = await call('POST', '/objects/people', {
      ...bodyFor('people'),
      owner: restricted.userId,
    });
    expect(person.statusCode, person.body).toBe(201);
    personId = person.json().id;
    records.set('people', personId);
    for (const o of objects) {
      if (o.key === 'people') continue;
      const body: Record<string, unknown> = { ...bodyFor(o.key) };
      if (o.fields.some((f) => f.key === 'owner')) body.owner = restricted.userId;
      if (o.key === 'activities') Object.assign(body, { type: 'note', people: [personId] });
      if (o.key === 'tasks') Object.assign(body, { linkedObject: 'people', linkedRecord: personId });
      const created = await call('POST', `/objects/${o.key}`, body);
      expect(created.statusCode, `${o.key}: ${created.body}`).toBe(201);
      records.set(o.key, created.json().id);
    }
    // Every relation between the walked records set, so expanded titles and linked lists carry them.
    for (const o of objects) {
      const links: Record<string, unknown> = {};
      for (const f of o.fields) {
        const target = f.relation?.object ? records.get(f.relation.object) : undefined;
        if (f.type !== 'relation' || !target || f.readOnly) continue;
        links[f.key] = f.relation?.many ? [target] : target;
      }
      if (Object.keys(links).length === 0) continue;
      const linked = await call('PATCH', `/objects/${o.key}/${records.get(o.key)}`, links);
      expect(linked.statusCode, `${o.key}: ${linked.body}`).toBe(200);
    }
    // Per object, a workflow of the restricted member's on every update: its runs carry the changed fields and
    // their old values, and its step renders the whole record into a message.
    for (const o of objects) {
      const as = (method: 'POST' | 'PATCH', url: string, body?: unknown) =>
        call(method, url, body, restricted.cookie);
      const created = await as('POST', '/workflows', {
        name: `Walk ${o.key}`,
        settings: { runAs: 'owner', concurrency: 'parallel', reenrol: { allowed: true, cooldownMinutes: 0 } },
        draft: {
          trigger: { type: 'record', object: o.key, events: ['updated'] },
          start: 'n',
          steps: [
            {
              id: 'n',
              type: 'notify',
              users: [{ value: restricted.userId }],
              message: '{{ record }} {{ before }}',
              next: null,
            },
          ],
        },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().id as string;
      expect((await as('POST', `/workflows/${id}/publish`)).statusCode).toBe(200);
      expect((await as('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
      workflows.set(o.key, id);
    }
    const made = await call(
      'POST',
      '/email/templates',
      {
        name: 'Every field',
        subject: '{{ record.id }}',
        bodyHtml: '{% for f in record %}{{ f[0] }}={{ f[1] | json }};{% endfor %}',
      },
      restricted.cookie,
    );
    expect(made.statusCode, made.body).toBe(201);
    template = made.json().id as string;
  }, 120_000);
  afterAll(async () => {
    await owner?.end();
    await recordings?.close();
    await t?.close();
  });

  function bodyFor(objectKey: string, round = ''): Record<string, unknown> {
    const o = objects.find((x) => x.key === objectKey)!;
    const body: Record<string, unknown> = {};
    for (const f of o.fields) {
      if (SYSTEM.has(f.key) || f.readOnly) continue;
      const v = valueFor(objectKey, f, round);
      if (v !== undefined) body[f.key] = v;
    }
    return body;
  }

  /** The fields of each object the walk hides in turn: every field a role may hide. */
  const hideable = (o: ObjectMeta) => o.fields.filter((f) => !SYSTEM.has(f.key) && f.key !== 'id');

  type Probe = (o: ObjectMeta, hidden: FieldMeta, since: Date) => Promise<string[]>;
  const as = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
    call(method, url, payload, restricted.cookie);
  const bodyOf = async (method: 'GET' | 'POST', url: string, payload?: unknown) => {
    const r = await as(method, url, payload);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(500);
    return r.body;
  };
  const recordShapes = (body: string): Record<string, unknown>[] => {
    const json = JSON.parse(body) as { data?: unknown } & Record<string, unknown>;
    return Array.isArray(json.data) ? (json.data as Record<string, unknown>[]) : [json];
  };

  /** Each read surface's probe: the bodies (as text) it answers the restricted member with. */
  const probes: Record<string, Probe> = {
    get: async (o) => {
      const body = await bodyOf('GET', `/objects/${o.key}/${records.get(o.key)}`);
      return [body, ...recordShapes(body).map((r) => Object.keys(r).join(' '))];
    },
    list: async (o) => {
      const body = await bodyOf('GET', `/objects/${o.key}?limit=200`);
      return [body, ...recordShapes(body).map((r) => Object.keys(r).join(' '))];
    },
    query: async (o, hidden) => {
      // A filter reaching the hidden field through a relation from any object is refused like one on it directly.
      for (const other of objects)
        for (const f of other.fields) {
          if (
            f.type !== 'relation' ||
            f.relation?.object !== o.key ||
            hiddenNow.get(other.key)?.key === f.key
          )
            continue;
          const through = await as('POST', `/objects/${other.key}/query`, {
            filter: { field: `${f.key}.${hidden.key}`, op: 'isNotNull' },
          });
          expect(through.statusCode, `${other.key}.${f.key}.${hidden.key}: ${through.body}`).toBe(400);
        }
      const body = await bodyOf('POST', `/objects/${o.key}/query`, { limit: 200 });
      return [body, ...recordShapes(body).map((r) => Object.keys(r).join(' '))];
    },
    'saved-report': async (o, hidden) => {
      // Reports the admin saves over the object and shares with the restricted member run with the member's role:
      // one grouped by the hidden field is refused, a count (and its CSV) shows no value of it.
      const bodies: string[] = [];
      const shares = [{ kind: 'user', id: restricted.userId }];
      const byHidden = await call('POST', '/reports', {
        name: `By ${o.key}.${hidden.key}`,
        definition: { object: o.key, groupBy: [{ field: hidden.key }], measures: [{ fn: 'count' }] },
        shares,
      });
      if (byHidden.statusCode === 201) {
        const refused = await as('POST', `/reports/${byHidden.json().id}/run`, {});
        expect(refused.statusCode, refused.body).toBe(400);
        bodies.push(refused.body);
      }
      const counted = await call('POST', '/reports', {
        name: `Count ${o.key}`,
        definition: { object: o.key, measures: [{ fn: 'count' }] },
        shares,
      });
      expect(counted.statusCode, counted.body).toBe(201);
      bodies.push(await bodyOf('POST', `/reports/${counted.json().id}/run`, {}));
      bodies.push(await bodyOf('GET', `/reports/${counted.json().id}/export.csv`));
      return bodies;
    },
    'dashboard-widget': async (o, hidden) => {
      // A dashboard the admin shares with the restricted member, run widget by widget as the member: a report grouped
      // by the hidden field is refused for that widget alone; a count, a KPI and a list of every field show no value.
      const fields = o.fields.map((f) => f.key).slice(0, 12);
      const place = (id: string, x: number) => ({ id, x, y: 0, w: 3, h: 3 });
      const byHidden = {
        ...place('byHidden', 0),
        kind: 'report',
        definition: { object: o.key, groupBy: [{ field: hidden.key }], measures: [{ fn: 'count' }] },
      };
      const others = [
        { ...place('count', 3), kind: 'report', definition: { object: o.key, measures: [{ fn: 'count' }] } },
        { ...place('kpi', 6), kind: 'kpi', kpi: { object: o.key, measure: { fn: 'count' } } },
        { ...place('list', 9), kind: 'list', list: { object: o.key, fields, limit: 50 } },
      ];
      const save = (layout: unknown[]) =>
        call('POST', '/dashboards', {
          name: `Walk ${o.key}`,
          layout,
          shares: [{ kind: 'user', id: restricted.userId }],
        });
      const bodies: string[] = [];
      // A field that cannot be grouped by is refused when saved: the other widgets are walked all the same.
      let dashboard = await save([byHidden, ...others]);
      const grouped = dashboard.statusCode === 201;
      if (!grouped) {
        expect(dashboard.statusCode, dashboard.body).toBe(400);
        dashboard = await save(others);
      }
      expect(dashboard.statusCode, dashboard.body).toBe(201);
      const id = dashboard.json().id as string;
      if (grouped) {
        const refused = await as('POST', `/dashboards/${id}/widgets/byHidden/run`, {});
        expect(refused.statusCode, refused.body).toBe(200);
        expect(refused.json().status, refused.body).toBe('refused');
        bodies.push(refused.body);
      }
      for (const widget of ['count', 'kpi', 'list'])
        bodies.push(await bodyOf('POST', `/dashboards/${id}/widgets/${widget}/run`, {}));
      const list = JSON.parse(bodies.at(-1) ?? '{}') as { data?: { records?: Record<string, unknown>[] } };
      for (const record of list.data?.records ?? []) expect(Object.keys(record)).not.toContain(hidden.key);
      return bodies;
    },
    'report-print-view': async (o, hidden) => {
      // The print view the server's browser renders a PDF from, opened with a single-use print token as the
      // restricted member (`POST /reports/print-view`): a report grouped by the hidden field is refused; a count, and a
      // grouping by a relation into the object (its records' titles), show no value of it.
      const shares = [{ kind: 'user', id: restricted.userId }];
      const definitions: Record<string, unknown>[] = [
        { object: o.key, groupBy: [{ field: hidden.key }], measures: [{ fn: 'count' }] },
        { object: o.key, measures: [{ fn: 'count' }] },
      ];
      const into = objects
        .flatMap((other) => other.fields.map((f) => ({ other, f })))
        .find(
          ({ other, f }) =>
            WALKED.includes(other.key) &&
            f.type === 'relation' &&
            f.relation?.object === o.key &&
            !f.relation.many &&
            hiddenNow.get(other.key)?.key !== f.key,
        );
      if (into)
        definitions.push({
          object: into.other.key,
          groupBy: [{ field: into.f.key }],
          measures: [{ fn: 'count' }],
        });
      const bodies: string[] = [];
      for (const [i, definition] of definitions.entries()) {
        const saved = await call('POST', '/reports', { name: `Print ${o.key} ${i}`, definition, shares });
        if (saved.statusCode !== 201) {
          // Only the grouping by the hidden field may be refused when saved (a field that cannot be grouped by).
          expect(i, saved.body).toBe(0);
          continue;
        }
        const { token } = await issuePrintToken(t.handle.db, {
          workspaceId: admin.workspaceId,
          userId: restricted.userId,
          target: 'report',
          targetId: saved.json().id,
        });
        const printed = await call('POST', '/reports/print-view', { token }, '');
        expect(printed.statusCode, printed.body).toBe(i === 0 ? 400 : 200);
        bodies.push(printed.body);
      }
      return bodies;
    },
    'dashboard-print-view': async (o, hidden) => {
      // A dashboard's print view opened with a single-use print token as the restricted member
      // (`POST /dashboards/print-view`): every widget run as them at once — a grouping by the hidden field refused for
      // its widget alone, a count, a KPI and a list of every field showing no value of it.
      const fields = o.fields.map((f) => f.key).slice(0, 12);
      const place = (id: string, x: number) => ({ id, x, y: 0, w: 3, h: 3 });
      const others = [
        { ...place('count', 3), kind: 'report', definition: { object: o.key, measures: [{ fn: 'count' }] } },
        { ...place('kpi', 6), kind: 'kpi', kpi: { object: o.key, measure: { fn: 'count' } } },
        { ...place('list', 9), kind: 'list', list: { object: o.key, fields, limit: 50 } },
      ];
      const byHidden = {
        ...place('byHidden', 0),
        kind: 'report',
        definition: { object: o.key, groupBy: [{ field: hidden.key }], measures: [{ fn: 'count' }] },
      };
      const save = (layout: unknown[]) =>
        call('POST', '/dashboards', {
          name: `Print ${o.key}`,
          layout,
          shares: [{ kind: 'user', id: restricted.userId }],
        });
      let dashboard = await save([byHidden, ...others]);
      if (dashboard.statusCode !== 201) dashboard = await save(others);
      expect(dashboard.statusCode, dashboard.body).toBe(201);
      const { token } = await issuePrintToken(t.handle.db, {
        workspaceId: admin.workspaceId,
        userId: restricted.userId,
        target: 'dashboard',
        targetId: dashboard.json().id,
      });
      const printed = await call('POST', '/dashboards/print-view', { token }, '');
      expect(printed.statusCode, printed.body).toBe(200);
      const runs = printed.json().runs as {
        widgetId: string;
        status: string;
        data?: { records?: Record<string, unknown>[] };
      }[];
      expect(runs.find((r) => r.widgetId === 'byHidden')?.status ?? 'refused').toBe('refused');
      for (const record of runs.find((r) => r.widgetId === 'list')?.data?.records ?? [])
        expect(Object.keys(record)).not.toContain(hidden.key);
      return [printed.body];
    },
    aggregate: async (o, hidden) => {
      // Grouping by the hidden field is refused; a count over the object shows no values.
      const byHidden = await as('POST', `/objects/${o.key}/aggregate`, { groupBy: [hidden.key] });
      expect(byHidden.statusCode, byHidden.body).toBe(400);
      return [await bodyOf('POST', `/objects/${o.key}/aggregate`, { metrics: [{ fn: 'count' }] })];
    },
    batch: async (o, hidden) => {
      const refused = await as('POST', `/objects/${o.key}/batch`, {
        records: [{ [hidden.key]: 'x' }],
        upsertBy: hidden.key,
      });
      expect(refused.statusCode).toBeGreaterThanOrEqual(400);
      return [refused.body];
    },
    search: async (o, hidden) => {
      // The value the field was created with and the one the round changed it to (what its document holds now).
      // A phone is searched for as a number (the phone tier), anything else by its marker.
      const bodies: string[] = [];
      for (const value of [needle(o.key, hidden), needle(o.key, hidden, roundNow)]) {
        const hits = await bodyOf('GET', `/search?q=${encodeURIComponent(value)}`);
        // Not even the fact that something matched the hidden value.
        expect(JSON.parse(hits).data, `search found ${o.key} by hidden ${hidden.key}`).toEqual([]);
        bodies.push(hits);
      }
      return bodies;
    },
    timeline: async (o) => [
      await bodyOf('GET', `/objects/${o.key}/${records.get(o.key)}/timeline?limit=200`),
      await bodyOf('GET', `/objects/people/${personId}/timeline?limit=200`),
    ],
    notifications: async () => [await bodyOf('GET', '/notifications?limit=100')],
    'deal-history': async (o, hidden) => {
      // A deal's history leaves out the changes of the hidden field (its old and new values alike).
      if (o.key !== 'deals') return [];
      const body = await bodyOf('GET', `/deals/${records.get('deals')}/history?limit=200`);
      for (const entry of (JSON.parse(body) as { data: { changes: Record<string, unknown> }[] }).data)
        expect(Object.keys(entry.changes), `deal history shows hidden ${hidden.key}`).not.toContain(
          hidden.key,
        );
      return [body];
    },
    forecast: async (o) => {
      // The forecast and the deals behind its numbers: refused when the role hides a field the numbers are made of,
      // and the drill-down leaves a hidden title out. The walked deal is placed in 2026 so that it is listed.
      if (o.key !== 'deals') return [];
      const id = records.get('deals')!;
      const placed = await call('PATCH', `/objects/deals/${id}`, { expectedCloseDate: '2026-05-01' });
      expect(placed.statusCode, placed.body).toBe(200);
      const url = '/sales/forecast/deals?period=2026&category=pipeline';
      expect((await call('GET', url)).body, 'the admin sees the walked deal').toContain(id);
      return [await bodyOf('GET', '/sales/forecast?period=2026'), await bodyOf('GET', url)];
    },
    'lead-score': async (o, hidden) => {
      // A scoring rule whose condition reads the hidden field, named after its value: the restricted member gets
      // its points only as withheld (never its name); the admin sees the reason, so the probe reads a real one.
      if (o.key !== 'leads') return [];
      const id = records.get('leads')!;
      const visible = hideable(o).find((f) => f.key !== hidden.key && f.type === 'text' && !f.readOnly)!;
      const rescore = async (text: string) => {
        const r = await call('PATCH', `/objects/leads/${id}`, {
          [visible.key]: marker('leads', visible.key, text),
        });
        expect(r.statusCode, r.body).toBe(200);
      };
      const name = `Probe ${needle(o.key, hidden, roundNow)}`;
      const rule = await call('POST', '/scoring-rules', {
        name,
        kind: 'field',
        condition: { field: hidden.key, op: 'isNotNull' },
        points: 3,
      });
      expect(rule.statusCode, rule.body).toBe(201);
      await rescore(`${roundNow}-score1`);
      if (valueFor(o.key, hidden) !== undefined)
        expect((await call('GET', `/leads/${id}/score`)).body, 'the admin sees the probe rule').toContain(
          name,
        );
      const body = await bodyOf('GET', `/leads/${id}/score`);
      expect((await call('DELETE', `/scoring-rules/${rule.json().id}`)).statusCode).toBe(204);
      await rescore(`${roundNow}-score2`);
      return [body];
    },
    'web-form-submissions': async (o, hidden) => {
      // A submission's values leave out the lead fields the reader's role hides (a form asking for the hidden
      // field, a submission held in quarantine with its value), and its UTM source when the lead's source is hidden
      // (it becomes that field); the admin sees the value, so the probe reads one.
      if (o.key !== 'leads' || !['text', 'email', 'phone'].includes(hidden.type)) return [];
      const asField = hidden.key !== 'source';
      const fields =
        hidden.key === 'name' || !asField ? [{ key: 'name' }] : [{ key: 'name' }, { key: hidden.key }];
      const form = await call('POST', '/web-forms', { name: `Probe ${roundNow}`, locale: 'en', fields });
      expect(form.statusCode, form.body).toBe(201);
      const value = needle(o.key, hidden, roundNow);
      const sent = await t.app.inject({
        method: 'POST',
        url: `/api/v1/public/web-forms/${form.json().publicId}/submissions`,
        payload: asField
          ? { fields: { name: 'Probe', [hidden.key]: value } }
          : { fields: { name: 'Probe' }, utm_source: value },
        remoteAddress: `10.77.0.${(Number(roundNow.slice(1)) % 250) + 1}`,
      });
      expect(sent.statusCode, sent.body).toBe(200);
      expect((await call('GET', '/web-form-submissions?limit=5')).body, 'the admin sees the value').toContain(
        value,
      );
      return [await bodyOf('GET', '/web-form-submissions?limit=200')];
    },
    'lead-web-form': async (o, hidden) => {
      // The web form a lead came from shows its UTM source, which is the lead's `source`: left out when that is
      // hidden. A held submission carrying the value is released by the admin, which makes the lead.
      if (o.key !== 'leads' || hidden.key !== 'source') return [];
      const form = await call('POST', '/web-forms', {
        name: `Capture ${roundNow}`,
        locale: 'en',
        fields: [{ key: 'name' }],
      });
      expect(form.statusCode, form.body).toBe(201);
      const value = needle(o.key, hidden, roundNow);
      const sent = await t.app.inject({
        method: 'POST',
        url: `/api/v1/public/web-forms/${form.json().publicId}/submissions`,
        payload: { fields: { name: 'Captured' }, utm_source: value },
        remoteAddress: `10.78.0.${(Number(roundNow.slice(1)) % 250) + 1}`,
      });
      expect(sent.statusCode, sent.body).toBe(200);
      const held = (await call('GET', '/web-form-submissions?limit=1')).json().data[0] as { id: string };
      const released = await call('POST', `/web-form-submissions/${held.id}/release`);
      expect(released.statusCode, released.body).toBe(200);
      const url = `/leads/${released.json().leadId}/web-form`;
      expect((await call('GET', url)).body, 'the admin sees the UTM source').toContain(value);
      return [await bodyOf('GET', url)];
    },
    'workflow-runs': async (o, hidden) => {
      // A change to the hidden field alone starts no run of the restricted member's workflow (its owner may not
      // see it); with a visible field it does, and the run's trigger carries the hidden field's old value (this
      // round's marker) for the run history to leave out. A second change puts the hidden value back.
      const id = records.get(o.key)!;
      const current = valueFor(o.key, hidden, roundNow);
      const visible = hideable(o).find(
        (f) => f.key !== hidden.key && f.type === 'text' && !f.readOnly && valueFor(o.key, f) !== undefined,
      );
      if (current !== undefined && visible)
        for (const [value, text] of [
          [valueFor(o.key, hidden, `${roundNow}-wf`), `${roundNow}-wf1`],
          [current, `${roundNow}-wf2`],
        ] as const) {
          const r = await call('PATCH', `/objects/${o.key}/${id}`, {
            [hidden.key]: value,
            [visible.key]: marker(o.key, visible.key, text),
          });
          expect(r.statusCode, r.body).toBe(200);
        }
      // The record's runs (their triggers' changed fields and old values), and the newest with its steps.
      const list = await bodyOf('GET', `/workflow-runs?recordId=${records.get(o.key)}&limit=200`);
      const runs = (JSON.parse(list) as { data: { id: string }[] }).data;
      workflowRuns += runs.length;
      const bodies = [list];
      if (runs[0]) bodies.push(await bodyOf('GET', `/workflow-runs/${runs[0].id}`));
      return bodies;
    },
    'workflow-test-run': async (o) => [
      await bodyOf('POST', `/workflows/${workflows.get(o.key)}/test-run`, { recordId: records.get(o.key) }),
    ],
    'email-template-render': async (o) => [
      await bodyOf('POST', `/email/templates/${template}/render`, {
        record: { object: o.key, id: records.get(o.key) },
      }),
    ],
    'ticket-case': async (o) => {
      // A ticket's complaint (its deadlines and when they were met come from the ticket's fields) and its return.
      if (o.key !== 'tickets') return [];
      const id = records.get('tickets');
      return [await bodyOf('GET', `/tickets/${id}/complaint`), await bodyOf('GET', `/tickets/${id}/return`)];
    },
    'canned-reply-render': async (o) => {
      // A ticket of the walked person and company, and a reply of the restricted member that merges every field
      // of both: a hidden one merges as nothing.
      if (o.key !== 'people' && o.key !== 'companies') return [];
      if (!deskTicket) {
        const made = await call('POST', '/objects/tickets', {
          subject: 'Every field',
          requester: records.get('people'),
          company: records.get('companies'),
        });
        expect(made.statusCode, made.body).toBe(201);
        const reply = await as('POST', '/service/canned-replies', {
          name: 'Every field',
          bodies: {
            en: 'x {% for f in requester %}{{ f[0] }}={{ f[1] | json }};{% endfor %} {% for f in company %}{{ f[0] }}={{ f[1] | json }};{% endfor %}',
          },
        });
        expect(reply.statusCode, reply.body).toBe(201);
        deskTicket = { ticket: made.json().id, reply: reply.json().id };
      }
      return [
        await bodyOf('POST', `/service/canned-replies/${deskTicket.reply}/render`, {
          ticketId: deskTicket.ticket,
        }),
      ];
    },
    'export-csv': async (o) => [await bodyOf('GET', `/objects/${o.key}/export?format=csv`)],
    'export-xlsx': async (o) => {
      const r = await as('GET', `/objects/${o.key}/export?format=xlsx`);
      expect(r.statusCode).toBe(200);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
      const cells: string[] = [];
      book.eachSheet((sheet) =>
        sheet.eachRow((row) => {
          row.eachCell((cell) => {
            cells.push(JSON.stringify(cell.value));
          });
        }),
      );
      return [cells.join('\n')];
    },
    'export-vcf': async (o) =>
      o.key === 'people' ? [await bodyOf('GET', '/objects/people/export?format=vcf')] : [],
    'export-ics': async (o) =>
      o.key === 'activities' || o.key === 'tasks'
        ? [await bodyOf('GET', `/objects/${o.key}/export?format=ics`)]
        : [],
    count: async (o, hidden) => {
      const filter = encodeURIComponent(JSON.stringify({ field: hidden.key, op: 'isNotEmpty' }));
      const refused = await as('GET', `/objects/${o.key}/count?filter=${filter}`);
      expect(refused.statusCode, refused.body).toBe(400);
      return [await bodyOf('GET', `/objects/${o.key}/count`)];
    },
    keys: async (o, hidden) => {
      // The key near a position of a sort on the hidden field is refused; on a visible field it shows only it.
      const refused = await as('GET', `/objects/${o.key}/keys?sort=${hidden.key}&at=0.5`);
      expect(refused.statusCode, refused.body).toBe(400);
      return [await bodyOf('GET', `/objects/${o.key}/keys?sort=createdAt&at=0.5`)];
    },
    expand: async (o, hidden) => {
      // Every object's list with its visible relation fields expanded: titles of this object's records among
      // them never show its hidden field. Expanding the hidden field itself is refused.
      if (hidden.type === 'relation' || hidden.type === 'user') {
        const refused = await as('GET', `/objects/${o.key}?expand=${hidden.key}`);
        expect(refused.statusCode, refused.body).toBe(400);
      }
      const bodies: string[] = [];
      for (const other of objects) {
        const hiddenThere = hiddenNow.get(other.key)?.key;
        const expandable = other.fields
          .filter((f) => (f.type === 'relation' || f.type === 'user') && f.key !== hiddenThere)
          .map((f) => f.key);
        if (expandable.length === 0) continue;
        bodies.push(await bodyOf('GET', `/objects/${other.key}?limit=200&expand=${expandable.join(',')}`));
      }
      return bodies;
    },
    events: async (o, hidden) => streamWhileChanging(o, hidden),
    webhook: async (_o, _hidden, since) => {
      // Read as the database's owner: every delivery written since the round began.
      const { rows } = await owner.query<{ payload: unknown }>(
        'select payload from webhook_deliveries where created_at >= $1',
        [since],
      );
      webhookPayloads += rows.length;
      return rows.map((r) => JSON.stringify(r.payload));
    },
    // A call from the walked record's own number matches it. What a call tells of a record is that match: the
    // call's numbers are the phone system's, so the probes read the calls through the record (its calls, then
    // each call with its events), where a hidden phone must leave no call found.
    calls: async (o) => (await callsOf(o)).bodies,
    'call-events': async (o) => {
      const { ids } = await callsOf(o);
      return Promise.all(ids.map((id) => bodyOf('GET', `/calls/${id}`)));
    },
    // The call card of the record's latest calls: its title, company, flags, open tickets and deals and last
    // timeline entries, all read through the gate (a hidden phone leaves no call to open, as above).
    'call-card': async (o) => {
      const { ids } = await callsOf(o);
      return Promise.all(ids.slice(0, 3).map((id) => bodyOf('GET', `/calls/${id}/card`)));
    },
    // A call's entry on the walked record's timeline, read on its own (the record page focused on a call far down):
    // its ticket titles and wrap-up through the same gate as the timeline.
    'call-timeline-entry': async (o) => {
      const { ids } = await callsOf(o);
      return Promise.all(
        ids
          .slice(0, 3)
          .map((id) =>
            bodyOf('GET', `/calls/${id}/timeline-entry?object=${o.key}&recordId=${records.get(o.key)}`),
          ),
      );
    },
    // A call's recording, streamed from the phone system to a reader who may see a record its number matched: the
    // walked record's call gets one (served on loopback). The member hears it while the record's phones are shown,
    // and gets the same 404 as for no recording while they are hidden (hearing it would say whose number called).
    // The whole answer — status, headers and body — is checked.
    'call-recording': async (o) => {
      const phoneField = { people: 'phones', companies: 'phones', leads: 'phone' }[o.key];
      if (!phoneField) return [];
      await callsOf(o); // the walk's connection, and the round's call from the record's number
      const number = await firstPhoneOf(o.key, phoneField);
      if (!number) return [];
      recordings ??= await serveRecording();
      const sent = await t.app.inject({
        method: 'POST',
        url: '/api/v1/calls/events',
        headers: { authorization: `Bearer ${callKey}` },
        payload: {
          callId: `walk-${o.key}-${roundNow}`,
          event: 'recording',
          sequence: 2,
          at: new Date().toISOString(),
          from: number,
          to: '100',
          recordingUrl: recordings.url,
        },
      });
      expect(sent.statusCode, sent.body).toBe(202);
      const id = sent.json().calls[0].id as string;
      const r = await as('GET', `/calls/${id}/recording`);
      if (hiddenNow.get(o.key)?.key === phoneField) expect(r.statusCode, r.body).toBe(404);
      else {
        expect(r.statusCode, r.body).toBe(200);
        expect(r.rawPayload.equals(recordings.sound), `${o.key}'s recording`).toBe(true);
      }
      return [`${r.statusCode} ${JSON.stringify(r.headers)} ${r.body}`];
    },
    // A phone system's caller lookup (3CX-style) answers as the connection's lookup role: here the restricted
    // member's, asked for the walked record's own number.
    'call-lookup': async (o, hidden) => {
      const phoneField = { people: 'phones', companies: 'phones', leads: 'phone' }[o.key];
      if (!phoneField) return [];
      if (!lookup) {
        const roles = (await call('GET', '/roles')).json() as { data: { id: string; key: string }[] };
        const made = await call('POST', '/calls/connections', {
          name: 'Walk 3CX',
          type: '3cx',
          country: 'IR',
          settings: { lookupRole: roles.data.find((r) => r.key === 'restricted')!.id },
        });
        expect(made.statusCode, made.body).toBe(201);
        lookup = { id: made.json().id as string, key: made.json().apiKey as string };
      }
      const number = await firstPhoneOf(o.key, phoneField);
      if (!number) return [];
      const r = await t.app.inject({
        method: 'GET',
        url: `/api/v1/calls/hooks/3cx/${lookup.id}/lookup?number=${encodeURIComponent(number)}`,
        headers: { authorization: `Bearer ${lookup.key}` },
      });
      expect(r.statusCode, r.body).toBe(200);
      // The walked record is found unless its phones are what is hidden (then the match would tell them).
      if (hidden.key !== phoneField)
        expect(r.body, `${o.key} found by its number`).toContain(records.get(o.key));
      else expect(r.json()).toEqual({ contacts: [] });
      return [r.body];
    },
    'import-rejects': async (o, hidden) => {
      // A file naming the hidden field: it cannot be mapped, so the upload is refused before any row is read.
      const boundary = '----rabitawalk';
      const file = `${hidden.key}\nx\n`;
      const payload =
        `--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\n${o.key}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="mapping"\r\n\r\n${JSON.stringify({ [hidden.key]: hidden.key })}\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="dryRun"\r\n\r\ntrue\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\n${file}\r\n--${boundary}--\r\n`;
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/imports',
        headers: { cookie: restricted.cookie, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload,
      });
      expect(r.statusCode, r.body).toBe(400);
      return [r.body];
    },
  };

  /** The phone system's recordings on loopback, started on first use. */
  let recordings: Awaited<ReturnType<typeof serveRecording>> | undefined;
  /** A local HTTP server answering every request with one short WAV recording. */
  async function serveRecording() {
    const sound = Buffer.concat([Buffer.from('RIFF\x24\0\0\0WAVE', 'latin1'), Buffer.alloc(32)]);
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': sound.length });
      res.end(sound);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/rec.wav`,
      sound,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    };
  }
  /** The admin's phone connection's API key, made on first use. */
  let callKey: string | undefined;
  /** The 3CX-style connection whose lookup answers as the restricted role, made on first use. */
  let lookup: { id: string; key: string } | undefined;
  /**
   * The walked record's first number as the admin reads it: a phone is stored as `{raw, e164, …}` (E.164 when it
   * could be read, else the text as typed), so a caller's number is its `e164`, or its `raw` failing that.
   */
  async function firstPhoneOf(object: string, phoneField: string): Promise<string | undefined> {
    const stored = (await call('GET', `/objects/${object}/${records.get(object)}`)).json()[phoneField];
    const first = (Array.isArray(stored) ? stored[0] : stored) as
      | { e164?: string; raw?: string }
      | string
      | null;
    return typeof first === 'string' ? first : (first?.e164 ?? first?.raw ?? undefined);
  }

  /** Posts a call from the record's current number (people, companies, leads) and reads its calls as the member. */
  async function callsOf(o: ObjectMeta): Promise<{ bodies: string[]; ids: string[] }> {
    const phoneField = { people: 'phones', companies: 'phones', leads: 'phone' }[o.key];
    if (!phoneField) return { bodies: [], ids: [] };
    if (!callKey) {
      const made = await call('POST', '/calls/connections', {
        name: 'Walk PBX',
        type: 'generic',
        country: 'IR',
      });
      expect(made.statusCode, made.body).toBe(201);
      callKey = made.json().apiKey as string;
    }
    const number = await firstPhoneOf(o.key, phoneField);
    if (number) {
      const sent = await t.app.inject({
        method: 'POST',
        url: '/api/v1/calls/events',
        headers: { authorization: `Bearer ${callKey}` },
        payload: {
          callId: `walk-${o.key}-${roundNow}`,
          event: 'ringing',
          sequence: 1,
          at: new Date().toISOString(),
          from: number,
          to: '100',
        },
      });
      expect(sent.statusCode, sent.body).toBe(202);
    }
    const body = await bodyOf('GET', `/calls?object=${o.key}&recordId=${records.get(o.key)}&limit=200`);
    const ids = (JSON.parse(body) as { data: { id: string }[] }).data.map((c) => c.id);
    // The record's calls are found while its phone is shown, and none while it is hidden.
    if (hiddenNow.get(o.key)?.key === phoneField) expect(ids).toEqual([]);
    else if (number) expect(ids.length, `${o.key}'s calls`).toBeGreaterThan(0);
    return { bodies: [body], ids };
  }

  /** Opens the restricted member's event stream, changes the record's hidden field, and returns what arrived. */
  async function streamWhileChanging(o: ObjectMeta, hidden: FieldMeta): Promise<string[]> {
    const received: string[] = [];
    const request = http.get(`${baseUrl}/api/v1/events`, { headers: { cookie: restricted.cookie } });
    const response = await new Promise<http.IncomingMessage>((resolve) => request.on('response', resolve));
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => received.push(chunk));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const patch = bodyFor(o.key, 'sse');
    if (hidden.key in patch) {
      const r = await call('PATCH', `/objects/${o.key}/${records.get(o.key)}`, {
        [hidden.key]: patch[hidden.key],
      });
      expect(r.statusCode, r.body).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    request.destroy();
    const events = received
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6));
    // A record event names the fields that changed: never a hidden one.
    for (const e of events) {
      const data = JSON.parse(e) as { fields?: string[] };
      expect(data.fields ?? []).not.toContain(hidden.key);
    }
    return events;
  }

  it('has a probe for every read surface the installed modules register', () => {
    const registered = registry().readSurfaces;
    expect(registered.length).toBeGreaterThan(10);
    expect(registered.filter((s) => !(s in probes))).toEqual([]);
  });

  it('never shows a hidden field, whichever field of whichever object is hidden, on any surface', async () => {
    const rounds = Math.max(...objects.map((o) => hideable(o).length));
    let checks = 0;
    for (let round = 0; round < rounds; round++) {
      // One field of every object hidden at once, a different one each round.
      hiddenNow.clear();
      roundNow = `r${round}`;
      const rules: Record<string, unknown> = { '*': ALL };
      for (const o of objects) {
        const f = hideable(o)[round];
        if (!f) continue;
        hiddenNow.set(o.key, f);
        rules[o.key] = { ...ALL, hiddenFields: [f.key] };
      }
      const updated = await call('PATCH', '/roles/restricted', {
        permissions: {
          actions: ['apiKeys.manage', 'workflows.manage', 'sales.forms.manage', 'calls.read'],
          objects: rules,
        },
      });
      expect(updated.statusCode, updated.body).toBe(200);
      // The database's clock: deliveries written from here on were made under this round's role.
      const since = (await owner.query<{ now: Date }>('select clock_timestamp() as now')).rows[0]!.now;
      // A change to each hidden field (where it carries text), so changes, events and payloads include it.
      for (const [objectKey, f] of hiddenNow) {
        const v = valueFor(objectKey, f, `r${round}`);
        if (v === undefined) continue;
        const r = await call('PATCH', `/objects/${objectKey}/${records.get(objectKey)}`, { [f.key]: v });
        expect(r.statusCode, r.body).toBe(200);
      }
      for (const o of objects) {
        const hidden = hiddenNow.get(o.key);
        if (!hidden) continue;
        const values = [needle(o.key, hidden), needle(o.key, hidden, `r${round}`)];
        for (const surface of registry().readSurfaces) {
          const bodies = await probes[surface]!(o, hidden, since);
          for (const body of bodies) {
            for (const value of values)
              expect(body.includes(value), `${surface} shows hidden ${o.key}.${hidden.key}`).toBe(false);
            checks++;
          }
          // A record's shape (get, list, query) never has the hidden key.
          if (surface === 'get' || surface === 'list' || surface === 'query')
            for (const shape of bodies.slice(1))
              expect(shape.split(' '), `${surface} has ${o.key}.${hidden.key}`).not.toContain(hidden.key);
        }
      }
    }
    expect(checks).toBeGreaterThan(500);
    // The rounds that changed a hidden field produced payloads, and they were read.
    expect(webhookPayloads).toBeGreaterThan(0);
    expect(workflowRuns).toBeGreaterThan(0);
  }, 600_000);
});
