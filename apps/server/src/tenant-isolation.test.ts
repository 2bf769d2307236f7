import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../test/harness.ts';
import { multipartForm } from '../../../test/multipart.ts';

// Walks every API route that takes an id, as workspace A, with workspace B's ids: each must behave exactly
// as for a missing id, and B's data must come through untouched.

describe('tenant isolation across every route', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof signUp>>;
  let b: Awaited<ReturnType<typeof signUp>>;
  const ids: Record<string, string> = {};

  const as = (cookie: string, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    a = await signUp(t.app);
    b = await signUp(t.app);
    const post = async (url: string, payload: object) => {
      const response = await as(b.cookie, 'POST', `/api/v1${url}`, payload);
      expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
      return response.json();
    };
    ids.company = (await post('/objects/companies', { name: 'B company' })).id;
    ids.person = (await post('/objects/people', { firstName: 'B person', company: ids.company })).id;
    ids.deal = (await post('/objects/deals', { name: 'B deal' })).id;
    ids.slaCalendar = (
      await post('/service/calendars', {
        name: 'B calendar',
        definition: { timeZone: 'Asia/Riyadh', hours: { 7: [{ from: '08:00', to: '16:00' }] }, holidays: [] },
      })
    ).id;
    ids.slaPolicy = (
      await post('/service/sla-policies', {
        name: 'B policy',
        calendarId: ids.slaCalendar,
        targets: { normal: { first_response: 60, resolution: 480 } },
      })
    ).id;
    ids.ticket = (await post('/objects/tickets', { subject: 'B ticket', requester: ids.person })).id;
    await post(`/tickets/${ids.ticket}/messages`, { kind: 'note', body: 'B note' });
    // B's agent has the ticket open: A's calls on its presence are not found, never B's viewers.
    await post(`/tickets/${ids.ticket}/presence`, { replying: true });
    // B's return with a line and its photo: A's calls on them are not found.
    ids.returnTicket = (await post('/objects/tickets', { subject: 'B return', type: 'return' })).id;
    ids.returnLine = (
      await post(`/tickets/${ids.returnTicket}/return/lines`, {
        product: 'B returned product',
        orderRef: null,
        quantity: 1,
        reasonCode: 'B reason',
        note: null,
      })
    ).lines[0].id;
    const photo = multipartForm(
      {},
      Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        'base64',
      ),
      'b-return.png',
    );
    const photographed = await t.app.inject({
      method: 'POST',
      url: `/api/v1/service/return-lines/${ids.returnLine}/photos`,
      headers: { ...photo.headers, cookie: b.cookie },
      payload: photo.payload,
    });
    expect(photographed.statusCode, photographed.body).toBe(201);
    ids.returnPhoto = photographed.json().id;
    ids.cannedReply = (
      await post('/service/canned-replies', { name: 'B reply', bodies: { en: 'B reply body' }, shared: true })
    ).id;
    ids.personalReply = (
      await post('/service/canned-replies', { name: 'B own reply', bodies: { fa: 'B own reply body' } })
    ).id;
    ids.macro = (await post('/service/macros', { name: 'B macro', note: 'B macro note' })).id;
    ids.ticketAssignmentRule = (
      await post('/service/assignment-rules', {
        name: 'B assignment rule',
        strategy: 'roundRobin',
        members: [b.userId],
      })
    ).id;
    // B's agent has skills of their own: A's calls on B's members (`:userId`) are not found, never B's settings.
    const skills = await as(b.cookie, 'PATCH', `/api/v1/service/agents/${b.userId}`, {
      products: ['B desk product'],
    });
    expect(skills.statusCode, skills.body).toBe(200);
    // B's relationship NPS campaign (its first run a day away): A cannot stop it or see it.
    ids.npsCampaign = (
      await post('/service/surveys/nps/campaigns', {
        name: 'B nps campaign',
        firstRunAt: new Date(Date.now() + 86_400_000).toISOString(),
      })
    ).id;
    ids.kbCategory = (await post('/service/kb/categories', { names: { en: 'B kb category' } })).id;
    ids.kbArticle = (
      await post('/service/kb/articles', {
        categoryId: ids.kbCategory,
        translations: { en: { title: 'B kb article', body: 'B kb body', status: 'published' } },
      })
    ).id;
    const file = multipartForm({}, Buffer.from('B kb file'), 'b-kb-file.txt');
    const attached = await t.app.inject({
      method: 'POST',
      url: `/api/v1/service/kb/articles/${ids.kbArticle}/attachments`,
      headers: { ...file.headers, cookie: b.cookie },
      payload: file.payload,
    });
    expect(attached.statusCode, attached.body).toBe(201);
    ids.kbAttachment = attached.json().id;
    ids.apiKey = (await post('/api-keys', { name: 'B key', role: 'member' })).id;
    // B's phone connection and a call through it, from B's person's number.
    const phone = await post('/calls/connections', { name: 'B phone connection', type: 'generic' });
    ids.callConnection = phone.id;
    const rang = await t.app.inject({
      method: 'POST',
      url: '/api/v1/calls/events',
      headers: { authorization: `Bearer ${phone.apiKey}` },
      payload: {
        callId: 'B call',
        event: 'ringing',
        sequence: 1,
        at: new Date().toISOString(),
        from: '+15550100',
        to: '100',
      },
    });
    expect(rang.statusCode, rang.body).toBe(202);
    ids.call = rang.json().calls[0].id;
    ids.callQueue = (
      await post('/calls/queues', { name: 'B call queue', keys: ['b-queue'], members: [b.userId] })
    ).id;
    ids.webhook = (
      await post('/webhooks', { url: 'http://93.184.216.34/b-hook', objects: ['*'], events: ['created'] })
    ).id;
    await post('/metadata/objects', {
      key: 'bonly',
      labels: { singular: { en: 'B only' }, plural: { en: 'B only' } },
    });
    ids.custom = (await post('/objects/bonly', { name: 'B custom record' })).id;
    await post('/metadata/objects/people/fields', {
      key: 'bSecret',
      type: 'text',
      labels: { en: 'B secret' },
    });
    await post('/roles', { key: 'b_role', name: 'B role', permissions: { actions: [], objects: {} } });
    ids.dashboard = (
      await post('/dashboards', {
        name: 'B dashboard',
        layout: [
          {
            id: 'w',
            kind: 'kpi',
            x: 0,
            y: 0,
            w: 4,
            h: 2,
            kpi: { object: 'deals', measure: { fn: 'count' } },
          },
        ],
      })
    ).id;
    // B's saved report and B's exports of it and of the dashboard (queued: no worker runs here).
    ids.report = (
      await post('/reports', {
        name: 'B report',
        definition: { object: 'deals', measures: [{ fn: 'count' }] },
      })
    ).id;
    ids.reportExport = (await post(`/reports/${ids.report}/exports`, { format: 'csv' })).id;
    // B's team, for the routes that name a team (a team's home dashboard).
    ids.team = (await post('/teams', { name: 'B team', members: [b.userId] })).id;
    ids.dashboardExport = (await post(`/dashboards/${ids.dashboard}/exports`, { format: 'pdf' })).id;
  });
  afterAll(() => t?.close());

  function expansions(url: string): string[] {
    let urls = [url];
    const replace = (param: string, values: string[]) => {
      urls = urls.flatMap((u) =>
        u.includes(`:${param}`) ? values.map((v) => u.replace(`:${param}`, v)) : [u],
      );
    };
    replace('object', ['people', 'companies', 'deals', 'tickets', 'bonly']);
    replace('id', Object.values(ids));
    replace('field', ['bSecret']);
    replace('key', ['b_role']);
    replace('role', ['b_role']);
    replace('widgetId', ['w']);
    replace('teamId', [ids.team!]);
    replace('exportId', [ids.reportExport!, ids.dashboardExport!]);
    replace('userId', [b.userId]);
    // A message's attachment and remote image by number: the id decides (B's ids are not found).
    replace('position', ['0']);
    replace('index', ['0']);
    // The phone systems' hook routes name their connection in the path.
    replace('connectionId', [ids.callConnection!]);
    // Only calls that name something of B's: A's own lists (e.g. /objects/people) rightly answer 200.
    const bs = [...Object.values(ids), 'bonly', 'bSecret', 'b_role', b.userId];
    return urls.filter((u) => bs.some((v) => u.includes(v)));
  }

  it('answers A’s calls with B’s ids as not found (or refuses them), never with B’s data', async () => {
    const walked: string[] = [];
    for (const route of t.app.apiRoutes) {
      if (!route.url.includes(':') || route.method === 'HEAD') continue;
      for (const url of expansions(route.url)) {
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        const response = await as(a.cookie, route.method, url, payload);
        walked.push(`${route.method} ${url}`);
        // A phone system's hook route takes no session: a cookie is no credential there (401), whoever's it is.
        const refusals = route.url.startsWith('/api/v1/calls/hooks/')
          ? [400, 401, 403, 404]
          : [400, 403, 404];
        expect(refusals, `${route.method} ${url}: ${response.statusCode} ${response.body}`).toContain(
          response.statusCode,
        );
        for (const secret of [
          'B person',
          'B company',
          'B deal',
          'B ticket',
          'B note',
          'B key',
          'B custom record',
          'b-hook',
          'B calendar',
          'B policy',
          'B reply',
          'B own reply',
          'B macro',
          'B kb',
          'B assignment rule',
          'B desk product',
          'B nps campaign',
          'B phone connection',
          'B call',
          'B call queue',
          'B dashboard',
          'B report',
          'B team',
        ]) {
          expect(response.body, `${route.method} ${url}`).not.toContain(secret);
        }
      }
    }
    expect(walked.length).toBeGreaterThan(20);

    // Referring to B's records from A's writes is refused too.
    const linked = await as(a.cookie, 'POST', '/api/v1/objects/people', {
      firstName: 'A',
      company: ids.company,
    });
    expect(linked.statusCode).toBe(400);
    const switched = await as(a.cookie, 'POST', '/api/v1/auth/switch-workspace', {
      workspaceId: b.workspaceId,
    });
    expect(switched.statusCode).toBe(404);

    // B's data is untouched.
    const person = await as(b.cookie, 'GET', `/api/v1/objects/people/${ids.person}`);
    expect(person.json()).toMatchObject({ firstName: 'B person', company: ids.company });
    expect((await as(b.cookie, 'GET', '/api/v1/api-keys')).json().data).toHaveLength(1);
    expect((await as(b.cookie, 'GET', `/api/v1/objects/bonly/${ids.custom}`)).statusCode).toBe(200);
    // Every route with an id times every one of B's ids: a walk that grows with each module.
  }, 300_000);
});
