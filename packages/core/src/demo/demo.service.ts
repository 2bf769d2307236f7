import { type Faker, fakerAR, fakerEN, fakerFA } from '@faker-js/faker';
import type { Database } from '@rabita/db';
import { withWorkspace } from '@rabita/db';
import { compactText, normalizeText } from '@rabita/shared';
import type pg from 'pg';
import { v7 } from 'uuid';
import { createUserWithWorkspace } from '../auth/accounts.service.ts';
import { createCustomField } from '../metadata/metadata.service.ts';
import { type CopyValue, copyRows } from './copy.ts';

export type DemoSize = 'S' | 'M' | 'L';

/** Row counts per size: S for laptops and CI, M for the benchmark targets, L for those with the disk. */
export const DEMO_SIZES: Record<
  DemoSize,
  { people: number; companies: number; deals: number; activities: number; leads: number }
> = {
  S: { people: 10_000, companies: 2_000, deals: 5_000, activities: 50_000, leads: 2_000 },
  M: { people: 1_000_000, companies: 200_000, deals: 500_000, activities: 5_000_000, leads: 100_000 },
  L: { people: 5_000_000, companies: 1_000_000, deals: 2_500_000, activities: 25_000_000, leads: 500_000 },
};

type Lang = 'ar' | 'fa' | 'en';

/** Activities linked to the first person, whose timeline the 360° benchmark reads. */
const HUB_ACTIVITIES = 1000;

interface Pools {
  first: Record<Lang, string[]>;
  last: Record<Lang, string[]>;
  companies: Record<Lang, string[]>;
  cities: Record<Lang, string[]>;
  streets: Record<Lang, string[]>;
  titles: Record<Lang, string[]>;
  industries: Record<Lang, string[]>;
}

// Where phones come from: country calling code, national number length, mobile prefixes.
const COUNTRIES: { code: string; cc: string; length: number; mobile: string[] }[] = [
  { code: 'IR', cc: '98', length: 10, mobile: ['912', '935', '919', '901'] },
  { code: 'SA', cc: '966', length: 9, mobile: ['50', '55', '54', '56'] },
  { code: 'AE', cc: '971', length: 9, mobile: ['50', '52', '55', '56'] },
  { code: 'EG', cc: '20', length: 10, mobile: ['10', '11', '12', '15'] },
  { code: 'GB', cc: '44', length: 10, mobile: ['7700', '7911', '7400'] },
  { code: 'US', cc: '1', length: 10, mobile: ['202', '415', '646'] },
];
const LANG_COUNTRIES: Record<Lang, string[]> = { fa: ['IR'], ar: ['SA', 'AE', 'EG'], en: ['GB', 'US'] };
const CURRENCY: Record<string, string> = { IR: 'IRR', SA: 'SAR', AE: 'AED', EG: 'EGP', GB: 'GBP', US: 'USD' };
const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const ARABIC_DIGITS = '٠١٢٣٤٥٦٧٨٩';

class Rng {
  private readonly f: Faker;
  constructor(seed: number) {
    this.f = fakerEN;
    this.f.seed(seed);
  }
  int(min: number, max: number): number {
    return this.f.number.int({ min, max });
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  chance(p: number): boolean {
    return this.f.number.float({ min: 0, max: 1 }) < p;
  }
  lang(): Lang {
    const r = this.int(1, 100);
    return r <= 40 ? 'ar' : r <= 75 ? 'fa' : 'en';
  }
}

function pools(seed: number): Pools {
  const fakers: Record<Lang, Faker> = { ar: fakerAR, fa: fakerFA, en: fakerEN };
  const make = (fn: (f: Faker) => string, n: number) =>
    Object.fromEntries(
      (Object.entries(fakers) as [Lang, Faker][]).map(([lang, f]) => {
        f.seed(seed + lang.charCodeAt(0));
        return [lang, [...new Set(Array.from({ length: n }, () => fn(f)))]];
      }),
    ) as Record<Lang, string[]>;
  return {
    first: make((f) => f.person.firstName(), 400),
    last: make((f) => f.person.lastName(), 400),
    companies: make((f) => f.company.name(), 600),
    cities: make((f) => f.location.city(), 120),
    streets: make((f) => f.location.streetAddress(), 300),
    titles: make((f) => f.person.jobTitle(), 80),
    industries: make((f) => f.commerce.department(), 30),
  };
}

/** A phone in E.164 and one of the many ways people write it (spaces, trunk 0, 00, local digits). */
function phone(rng: Rng, country: string): { raw: string; e164: string } {
  const c = COUNTRIES.find((x) => x.code === country)!;
  const prefix = rng.pick(c.mobile);
  const national = `${prefix}${String(rng.int(0, 10 ** (c.length - prefix.length) - 1)).padStart(c.length - prefix.length, '0')}`;
  const e164 = `+${c.cc}${national}`;
  const trunk = c.cc === '1' ? national : `0${national}`;
  const localDigits = country === 'IR' ? PERSIAN_DIGITS : ARABIC_DIGITS;
  const forms = [
    `+${c.cc} ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6)}`,
    `${trunk.slice(0, 4)} ${trunk.slice(4, 7)} ${trunk.slice(7)}`,
    `00${c.cc}${national}`,
    trunk.replace(/\d/g, (d) => localDigits[Number(d)]!),
    e164,
  ];
  return { raw: rng.pick(forms), e164 };
}

export interface DemoOptions {
  /** Owner connection (COPY cannot run under row-level security). */
  owner: pg.Pool;
  /** Application database, for the account and metadata services. */
  db: Database;
  size: DemoSize;
  seed?: number;
  email: string;
  password: string;
  onProgress?: (step: string, done: number, total: number) => void;
}

/**
 * Generates a deterministic demo workspace from a seed: people, companies, leads, deals and activities in
 * Arabic, Persian and English, phones in many written forms, emails with realistic duplicates, custom
 * fields on people and deals, and their search documents. Rows are streamed with COPY.
 */
export async function generateDemo(
  options: DemoOptions,
): Promise<{ workspaceId: string; userId: string; hubPersonId: string; counts: Record<string, number> }> {
  const seed = options.seed ?? 20261122;
  const n = DEMO_SIZES[options.size];
  const rng = new Rng(seed);
  const p = pools(seed);
  const account = await createUserWithWorkspace(options.db, {
    email: options.email,
    password: options.password,
    name: 'Demo Admin',
    workspaceName: `Rabita demo (${options.size})`,
    skipPasswordPolicy: true,
  });
  const ws = account.workspaceId;
  const owners = [account.userId];
  const personIds: string[] = [];

  await withWorkspace(options.db, ws, async (trx) => {
    const labels = (en: string, ar: string, fa: string) => ({ en, ar, fa });
    await createCustomField(trx, ws, 'people', {
      key: 'loyaltyTier',
      type: 'select',
      labels: labels('Loyalty tier', 'فئة الولاء', 'سطح وفاداری'),
      options: ['bronze', 'silver', 'gold', 'platinum'].map((value) => ({ value, labels: { en: value } })),
    });
    await createCustomField(trx, ws, 'people', {
      key: 'birthday',
      type: 'date',
      labels: labels('Birthday', 'تاريخ الميلاد', 'تاریخ تولد'),
    });
    await createCustomField(trx, ws, 'deals', {
      key: 'contractType',
      type: 'select',
      labels: labels('Contract type', 'نوع العقد', 'نوع قرارداد'),
      options: ['new', 'renewal', 'upsell'].map((value) => ({ value, labels: { en: value } })),
    });
    await createCustomField(trx, ws, 'deals', {
      key: 'signedOnline',
      type: 'boolean',
      labels: labels('Signed online', 'موقّع إلكترونيًا', 'امضای آنلاین'),
    });
  });

  const client = await options.owner.connect();
  const counts: Record<string, number> = {};
  try {
    // A second pipeline beside the default one, so deals spread over pipelines as well as stages.
    const renewals = v7();
    await client.query(
      `insert into pipelines (workspace_id, id, name, name_en, name_ar, name_fa, currency, created_by)
       values ($1, $2, 'Renewals', 'Renewals', 'التجديدات', 'تمدیدها', 'USD', $3)`,
      [ws, renewals, account.userId],
    );
    await client.query(
      `insert into stages (workspace_id, id, pipeline_id, name, name_en, name_ar, name_fa, position, probability, kind,
                           created_by)
       select $1, gen_random_uuid(), $2, s.en, s.en, s.ar, s.fa, s.position, s.probability, s.kind, $3
       from (values ('Up for renewal', 'بانتظار التجديد', 'در انتظار تمدید', 0, 50, 'open'),
                    ('Renewal quoted', 'عرض التجديد', 'پیشنهاد تمدید', 1, 75, 'open'),
                    ('Renewed', 'تم التجديد', 'تمدیدشده', 2, 100, 'won'),
                    ('Churned', 'فقدان العميل', 'ریزش مشتری', 3, 0, 'lost')) as s(en, ar, fa, position, probability, kind)`,
      [ws, renewals, account.userId],
    );
    // Sales reps who own records (members without a password), so "by owner" has something to group.
    const { rows: roleRows } = await client.query<{ id: string }>(
      `select id from roles where workspace_id = $1 order by (key = 'admin'), key limit 1`,
      [ws],
    );
    for (let k = 0; k < 7; k++) {
      const lang = rng.lang();
      const userId = v7();
      const email = `rep${k + 1}.${ws.replaceAll('-', '')}@demo.example.com`;
      await client.query(
        `insert into users (id, email, email_normalized, name, locale) values ($1, $2, $2, $3, $4)`,
        [userId, email, `${rng.pick(p.first[lang])} ${rng.pick(p.last[lang])}`, lang],
      );
      await client.query(`insert into memberships (workspace_id, user_id, role_id) values ($1, $2, $3)`, [
        ws,
        userId,
        roleRows[0]!.id,
      ]);
      owners.push(userId);
    }
    const { rows: stageRows } = await client.query<{
      id: string;
      pipeline_id: string;
      kind: string;
      probability: string;
    }>('select id, pipeline_id, kind, probability from stages where workspace_id = $1 order by position', [
      ws,
    ]);
    const now = Date.now();
    const when = () => new Date(now - rng.int(0, 3 * 365) * 86_400_000 - rng.int(0, 86_399) * 1000);
    type Made = { row: CopyValue[]; doc?: [string, string, string, string | null, string[]] };

    /** Generates `total` rows in chunks: each chunk is copied, then its search documents. Memory stays flat. */
    async function load(
      table: string,
      columns: string[],
      total: number,
      make: (i: number) => Made,
    ): Promise<number> {
      const CHUNK = 20_000;
      for (let start = 0; start < total; start += CHUNK) {
        const rows: CopyValue[][] = [];
        const docs: CopyValue[][] = [];
        for (let i = start; i < Math.min(total, start + CHUNK); i++) {
          const made = make(i);
          rows.push(made.row);
          if (made.doc) {
            const [object, id, title, subtitle, parts] = made.doc;
            const content = normalizeText([title, ...parts].join(' '));
            docs.push([ws, object, id, title, subtitle, content, compactText(content)]);
          }
        }
        await copyRows(client, table, columns, rows);
        if (docs.length > 0) {
          await copyRows(
            client,
            'search_documents',
            ['workspace_id', 'object_key', 'record_id', 'title', 'subtitle', 'content', 'compact'],
            docs,
          );
        }
        options.onProgress?.(table, Math.min(total, start + CHUNK), total);
      }
      return total;
    }

    const companyIds: string[] = [];
    const companyCountry: string[] = [];
    counts.companies = await load(
      'companies',
      [
        'workspace_id',
        'id',
        'name',
        'domains',
        'industry',
        'employees',
        'annual_revenue',
        'phones',
        'phone_numbers',
        'address',
        'owner_id',
        'tags',
        'custom',
        'created_at',
        'updated_at',
        'created_by',
      ],
      n.companies,
      (i) => {
        const lang = rng.lang();
        const country = rng.pick(LANG_COUNTRIES[lang]);
        const id = v7();
        const name = `${rng.pick(p.companies[lang])}${i >= p.companies[lang].length ? ` ${i}` : ''}`;
        const ph = phone(rng, country);
        const created = when();
        const industry = rng.pick(p.industries[lang]);
        companyIds.push(id);
        companyCountry.push(country);
        return {
          row: [
            ws,
            id,
            name,
            [`c${i}.example.com`],
            industry,
            rng.int(1, 5000),
            { amount: String(rng.int(10, 50_000) * 1000), currency: CURRENCY[country]! },
            [{ ...ph, primary: true }],
            [ph.e164],
            { city: rng.pick(p.cities[lang]), street: rng.pick(p.streets[lang]), country },
            rng.pick(owners),
            [],
            {},
            created,
            created,
            account.userId,
          ],
          doc: ['companies', id, name, industry, [ph.raw, ph.e164.slice(1), `c${i}.example.com`]],
        };
      },
    );

    personIds.length = 0;
    const FLAGS = ['hearing_impaired', 'wheelchair', 'vip', 'arrears'];
    const LIFECYCLE = ['subscriber', 'lead', 'qualified', 'opportunity', 'customer', 'advocate'];
    counts.people = await load(
      'people',
      [
        'workspace_id',
        'id',
        'first_name',
        'last_name',
        'emails',
        'email_addresses',
        'phones',
        'phone_numbers',
        'job_title',
        'company_id',
        'address',
        'lifecycle_stage',
        'owner_id',
        'tags',
        'preferred_language',
        'flags',
        'source',
        'custom',
        'created_at',
        'updated_at',
        'created_by',
      ],
      n.people,
      (i) => {
        const lang = rng.lang();
        const country = rng.pick(LANG_COUNTRIES[lang]);
        const id = v7();
        const first = rng.pick(p.first[lang]);
        const last = rng.pick(p.last[lang]);
        // About 3% share an address with someone else, some written in capitals: duplicates to find later.
        const email = rng.chance(0.03)
          ? `shared${rng.int(0, Math.max(1, Math.floor(n.people / 100)))}@example.com`
          : `p${i}@example.${rng.pick(['com', 'ir', 'sa', 'ae'])}`;
        const written = rng.chance(0.2) ? email.toUpperCase() : email;
        const phones = [phone(rng, country)];
        if (rng.chance(0.3)) phones.push(phone(rng, country));
        const company = rng.chance(0.8) ? companyIds[rng.int(0, companyIds.length - 1)]! : null;
        const created = when();
        const title = rng.pick(p.titles[lang]);
        personIds.push(id);
        return {
          row: [
            ws,
            id,
            first,
            last,
            [{ address: written, primary: true }],
            [email],
            phones.map((x, k) => ({ ...x, primary: k === 0 })),
            phones.map((x) => x.e164),
            title,
            company,
            { city: rng.pick(p.cities[lang]), country },
            rng.pick(LIFECYCLE),
            rng.pick(owners),
            [],
            lang,
            rng.chance(0.05) ? [rng.pick(FLAGS)] : [],
            rng.pick(['web', 'import', 'referral', 'event', 'call']),
            {
              loyaltyTier: rng.pick(['bronze', 'silver', 'gold', 'platinum']),
              birthday: `19${rng.int(50, 99)}-0${rng.int(1, 9)}-1${rng.int(0, 9)}`,
            },
            created,
            created,
            account.userId,
          ],
          doc: [
            'people',
            id,
            `${first} ${last}`,
            title,
            [written, ...phones.flatMap((x) => [x.raw, x.e164.slice(1)])],
          ],
        };
      },
    );

    counts.leads = await load(
      'leads',
      [
        'workspace_id',
        'id',
        'name',
        'company_name',
        'email',
        'phone',
        'phone_numbers',
        'source',
        'status',
        'score',
        'owner_id',
        'custom',
        'created_at',
        'updated_at',
        'created_by',
      ],
      n.leads,
      (i) => {
        const lang = rng.lang();
        const ph = phone(rng, rng.pick(LANG_COUNTRIES[lang]));
        const created = when();
        const id = v7();
        const name = `${rng.pick(p.first[lang])} ${rng.pick(p.last[lang])}`;
        const company = rng.pick(p.companies[lang]);
        return {
          row: [
            ws,
            id,
            name,
            company,
            `lead${i}@example.com`,
            ph,
            [ph.e164],
            rng.pick(['web', 'form', 'call']),
            rng.pick(['new', 'contacted', 'qualified', 'disqualified']),
            rng.int(0, 100),
            rng.pick(owners),
            {},
            created,
            created,
            account.userId,
          ],
          doc: ['leads', id, name, company, [ph.raw, ph.e164.slice(1), `lead${i}@example.com`]],
        };
      },
    );

    const dealIds: string[] = [];
    counts.deals = await load(
      'deals',
      [
        'workspace_id',
        'id',
        'name',
        'amount',
        'pipeline_id',
        'stage_id',
        'probability',
        'expected_close_date',
        'status',
        'company_id',
        'primary_person_id',
        'owner_id',
        'custom',
        'created_at',
        'updated_at',
        'created_by',
      ],
      n.deals,
      (i) => {
        const stage = rng.pick(stageRows);
        const c = rng.int(0, companyIds.length - 1);
        const created = when();
        const id = v7();
        const name = `${rng.pick(['Deal', 'صفقة', 'معامله'])} ${i + 1}`;
        dealIds.push(id);
        return {
          row: [
            ws,
            id,
            name,
            { amount: String(rng.int(1, 5000) * 100), currency: CURRENCY[companyCountry[c]!]! },
            stage.pipeline_id,
            stage.id,
            Number(stage.probability),
            new Date(created.getTime() + rng.int(10, 200) * 86_400_000).toISOString().slice(0, 10),
            stage.kind,
            companyIds[c]!,
            rng.pick(personIds),
            rng.pick(owners),
            { contractType: rng.pick(['new', 'renewal', 'upsell']), signedOnline: rng.chance(0.5) },
            created,
            created,
            account.userId,
          ],
          doc: ['deals', id, name, null, []],
        };
      },
    );

    const SUBJECTS = {
      call: ['Follow-up call', 'تماس پیگیری', 'مكالمة متابعة'],
      meeting: ['Demo meeting', 'جلسه معرفی', 'اجتماع عرض'],
      note: ['Note', 'یادداشت', 'ملاحظة'],
      email: ['Quote sent', 'ارسال پیش‌فاکتور', 'إرسال عرض السعر'],
    } as const;
    counts.activities = await load(
      'activities',
      [
        'workspace_id',
        'id',
        'type',
        'subject',
        'occurred_at',
        'duration_seconds',
        'direction',
        'person_ids',
        'deal_ids',
        'owner_id',
        'created_at',
        'updated_at',
        'created_by',
      ],
      n.activities,
      (i) => {
        const type = rng.pick(['call', 'meeting', 'note', 'email'] as const);
        const at = when();
        return {
          row: [
            ws,
            v7(),
            type,
            rng.pick(SUBJECTS[type]),
            at,
            type === 'call' ? rng.int(20, 1800) : null,
            type === 'call' || type === 'email' ? rng.pick(['inbound', 'outbound']) : null,
            // The first person is a long-standing customer with 1,000 activities (the 360° benchmark's record).
            [i < HUB_ACTIVITIES ? personIds[0]! : rng.pick(personIds)],
            rng.chance(0.3) ? [rng.pick(dealIds)] : [],
            rng.pick(owners),
            at,
            at,
            account.userId,
          ],
        };
      },
    );

    for (const table of ['companies', 'people', 'leads', 'deals', 'activities', 'search_documents']) {
      await client.query(`analyze ${table}`);
    }
  } finally {
    client.release();
  }
  return { workspaceId: ws, userId: account.userId, hubPersonId: personIds[0]!, counts };
}
