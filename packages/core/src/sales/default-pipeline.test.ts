import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  buildSignUp,
  createTestApp,
  sessionCookie,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('pipeline and stage names per language', () => {
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

  it('gives a workspace made in English its default pipeline named in English, Arabic and Persian', async () => {
    const pipelines = (await call('GET', '/objects/pipelines')).json().data;
    expect(pipelines).toEqual([
      expect.objectContaining({ name: 'Sales', nameEn: 'Sales', nameAr: 'المبيعات', nameFa: 'فروش' }),
    ]);
    const stages = (await call('POST', '/objects/stages/query', { sort: 'position' })).json().data;
    expect(stages.map((s: Record<string, string>) => [s.name, s.nameEn, s.nameAr, s.nameFa])).toEqual([
      ['Qualification', 'Qualification', 'التأهيل', 'ارزیابی'],
      ['Needs analysis', 'Needs analysis', 'تحليل الاحتياجات', 'نیازسنجی'],
      ['Proposal', 'Proposal', 'العرض', 'پیشنهاد'],
      ['Negotiation', 'Negotiation', 'التفاوض', 'مذاکره'],
      ['Won', 'Won', 'رابحة', 'موفق'],
      ['Lost', 'Lost', 'خاسرة', 'ناموفق'],
    ]);
  });

  it('says in the metadata which field titles a pipeline or stage in each language', async () => {
    const objects = (await call('GET', '/metadata/objects')).json().data as {
      key: string;
      localizedTitle?: Record<string, string>;
      fields: { key: string; labels: Record<string, string> }[];
    }[];
    for (const key of ['pipelines', 'stages']) {
      const object = objects.find((o) => o.key === key);
      expect(object?.localizedTitle).toEqual({ en: 'nameEn', ar: 'nameAr', fa: 'nameFa' });
      expect(object?.fields.find((f) => f.key === 'nameFa')?.labels).toEqual({
        en: 'Name (Persian)',
        ar: 'الاسم (بالفارسية)',
        fa: 'نام (فارسی)',
      });
    }
    expect(objects.find((o) => o.key === 'people')?.localizedTitle).toBeUndefined();
  });

  it('lets an admin name a new stage in each language and rename one in a single language', async () => {
    const pipeline = (await call('GET', '/objects/pipelines')).json().data[0];
    const created = await call('POST', '/objects/stages', {
      pipeline: pipeline.id,
      name: 'Contract',
      nameEn: 'Contract',
      nameAr: 'العقد',
      nameFa: 'قرارداد',
      position: 6,
    });
    expect(created.statusCode).toBe(201);
    const renamed = await call('PATCH', `/objects/stages/${created.json().id}`, { nameAr: 'توقيع العقد' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Contract', nameAr: 'توقيع العقد', nameFa: 'قرارداد' });
    const tooLong = await call('PATCH', `/objects/stages/${created.json().id}`, { nameFa: 'x'.repeat(201) });
    expect(tooLong.statusCode).toBe(400);
  });

  it('stores the default pipeline of a workspace made in Persian under its Persian names', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: { ...buildSignUp(), locale: 'fa' },
    });
    expect(response.statusCode).toBe(201);
    const persian = sessionCookie(response);
    const pipelines = (await call('GET', '/objects/pipelines', undefined, persian)).json().data;
    expect(pipelines).toEqual([
      expect.objectContaining({ name: 'فروش', nameEn: 'Sales', nameAr: 'المبيعات', nameFa: 'فروش' }),
    ]);
    const stages = (await call('POST', '/objects/stages/query', { sort: 'position' }, persian)).json().data;
    expect(stages[0]).toMatchObject({ name: 'ارزیابی', nameEn: 'Qualification', nameAr: 'التأهيل' });
  });
});
