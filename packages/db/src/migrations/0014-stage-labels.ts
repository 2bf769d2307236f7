import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Pipelines and stages are named by the workspace's people, so their names are data, not dictionary entries:
// each gets a name per interface language beside the stored one (which stays the fallback). Existing default
// pipelines, created in one language, get the other two from the names every workspace was given.

const DEFAULT_PIPELINE = { en: 'Sales', ar: 'المبيعات', fa: 'فروش' };
const DEFAULT_STAGES = [
  { en: 'Qualification', ar: 'التأهيل', fa: 'ارزیابی' },
  { en: 'Needs analysis', ar: 'تحليل الاحتياجات', fa: 'نیازسنجی' },
  { en: 'Proposal', ar: 'العرض', fa: 'پیشنهاد' },
  { en: 'Negotiation', ar: 'التفاوض', fa: 'مذاکره' },
  { en: 'Won', ar: 'رابحة', fa: 'موفق' },
  { en: 'Lost', ar: 'خاسرة', fa: 'ناموفق' },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['pipelines', 'stages']) {
    await sql`alter table ${sql.table(table)}
      add column name_en text, add column name_ar text, add column name_fa text`.execute(db);
  }
  const { en, ar, fa } = DEFAULT_PIPELINE;
  await sql`
    update pipelines set name_en = ${en}, name_ar = ${ar}, name_fa = ${fa}
    where is_default and name in (${en}, ${ar}, ${fa})`.execute(db);
  for (const stage of DEFAULT_STAGES) {
    await sql`
      update stages s set name_en = ${stage.en}, name_ar = ${stage.ar}, name_fa = ${stage.fa}
      from pipelines p
      where p.workspace_id = s.workspace_id and p.id = s.pipeline_id and p.is_default
        and s.name in (${stage.en}, ${stage.ar}, ${stage.fa})`.execute(db);
  }
}
