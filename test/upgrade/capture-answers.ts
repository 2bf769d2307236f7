// Run by scripts/make-upgrade-fixture.sh against the OLD Rabita (a worktree of the fixture's commit, serving the
// fixture database): records what that version answered — counts, records, a search for a Persian or Arabic name,
// a timeline — and makes a second account in a workspace of its own, so the upgrade test can ask the new version the
// same questions and compare. Only HTTP: it imports nothing from either version.
//
//   node test/upgrade/capture-answers.ts <base url> <output json>
import fs from 'node:fs/promises';

const [base, output] = process.argv.slice(2);
if (!base || !output) throw new Error('usage: capture-answers.ts <base url> <output json>');

const ADMIN = { email: 'demo@example.com', password: 'rabita-demo' };
const SECOND = {
  email: 'owner2@example.com',
  password: 'upgrade-second-owner-7',
  name: 'مالک دوم',
  workspaceName: 'کارگاه دوم',
};
const OBJECTS = ['people', 'companies', 'deals', 'activities', 'leads'];
const ARABIC_SCRIPT = /[\u0600-\u06ff]/;

async function call(path: string, init: RequestInit & { cookie?: string } = {}) {
  const response = await fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(init.cookie ? { cookie: init.cookie } : {}),
    },
  });
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${response.status} ${JSON.stringify(body)}`);
  return { response, body };
}

async function signIn(email: string, password: string): Promise<string> {
  const { response } = await call('/auth/sign-in', {
    method: 'POST',
    body: JSON.stringify({ email, password }),
  });
  const cookie = response.headers.getSetCookie().map((c) => c.split(';')[0]);
  if (cookie.length === 0) throw new Error(`no session cookie for ${email}`);
  return cookie.join('; ');
}

const cookie = await signIn(ADMIN.email, ADMIN.password);
const me = (await call('/me', { cookie })).body;

const counts: Record<string, number> = {};
const records: Record<string, Record<string, unknown>[]> = {};
for (const object of OBJECTS) {
  counts[object] = (await call(`/objects/${object}/count`, { cookie })).body.count;
  const list = (await call(`/objects/${object}?limit=5`, { cookie })).body.data as { id: string }[];
  records[object] = [];
  for (const { id } of list) records[object].push((await call(`/objects/${object}/${id}`, { cookie })).body);
}

// A person with a Persian or Arabic name and a timeline of several entries.
const people = (await call('/objects/people?limit=200', { cookie })).body.data as Record<string, unknown>[];
let person: Record<string, unknown> | undefined;
let timeline: { kind: string; id: string }[] = [];
for (const candidate of people) {
  const name = `${candidate.firstName ?? ''} ${candidate.lastName ?? ''}`;
  if (!ARABIC_SCRIPT.test(name) || !candidate.firstName || !candidate.lastName) continue;
  const entries = (await call(`/objects/people/${candidate.id}/timeline?limit=50`, { cookie })).body.data as {
    kind: string;
    id: string;
  }[];
  if (entries.length >= 3) {
    person = candidate;
    timeline = entries.map((e) => ({ kind: e.kind, id: e.id }));
    break;
  }
}
if (!person) throw new Error('no person with a Persian or Arabic name and a timeline in the fixture');
const query = `${person.firstName} ${person.lastName}`;
const hits = (await call(`/search?q=${encodeURIComponent(query)}&limit=20`, { cookie })).body.data as {
  object: string;
  id: string;
}[];
if (!hits.some((h) => h.id === person.id))
  throw new Error(`the old version's search for ${query} missed the person`);

// A second account with its own workspace (open sign-up is on for this run).
await call('/auth/sign-up', { method: 'POST', body: JSON.stringify(SECOND) });
const secondCookie = await signIn(SECOND.email, SECOND.password);
const secondMe = (await call('/me', { cookie: secondCookie })).body;
const secondPeople = (await call('/objects/people/count', { cookie: secondCookie })).body.count;

await fs.writeFile(
  output,
  `${JSON.stringify(
    {
      admin: { ...ADMIN, workspaceId: me.workspace.id },
      second: { ...SECOND, workspaceId: secondMe.workspace.id, people: secondPeople },
      counts,
      records,
      search: { q: query, personId: person.id, hits: hits.map((h) => ({ object: h.object, id: h.id })) },
      timeline: { object: 'people', id: person.id, entries: timeline },
    },
    null,
    2,
  )}\n`,
);
process.stdout.write(
  `captured ${Object.entries(counts)
    .map(([o, n]) => `${n} ${o}`)
    .join(', ')}; search "${query}"\n`,
);
