import type { Tx } from '@rabita/db';
import { newId } from '../ids.ts';

const STAGES: { en: string; ar: string; fa: string; probability: number; kind: 'open' | 'won' | 'lost' }[] = [
  { en: 'Qualification', ar: 'التأهيل', fa: 'ارزیابی', probability: 10, kind: 'open' },
  { en: 'Needs analysis', ar: 'تحليل الاحتياجات', fa: 'نیازسنجی', probability: 30, kind: 'open' },
  { en: 'Proposal', ar: 'العرض', fa: 'پیشنهاد', probability: 60, kind: 'open' },
  { en: 'Negotiation', ar: 'التفاوض', fa: 'مذاکره', probability: 80, kind: 'open' },
  { en: 'Won', ar: 'رابحة', fa: 'موفق', probability: 100, kind: 'won' },
  { en: 'Lost', ar: 'خاسرة', fa: 'ناموفق', probability: 0, kind: 'lost' },
];
const NAMES = { en: 'Sales', ar: 'المبيعات', fa: 'فروش' };

/**
 * Gives a new workspace its default sales pipeline: stored under the workspace's language, with its name and
 * stages' names in every interface language, so each member reads them in their own.
 */
export async function insertDefaultPipeline(
  trx: Tx,
  workspaceId: string,
  locale: string,
  currency: string,
): Promise<string> {
  const lang = locale === 'ar' || locale === 'fa' ? locale : 'en';
  const pipelineId = newId();
  await trx
    .insertInto('pipelines')
    .values({
      workspaceId,
      id: pipelineId,
      name: NAMES[lang],
      nameEn: NAMES.en,
      nameAr: NAMES.ar,
      nameFa: NAMES.fa,
      currency,
      isDefault: true,
    })
    .execute();
  await trx
    .insertInto('stages')
    .values(
      STAGES.map((stage, position) => ({
        workspaceId,
        id: newId(),
        pipelineId,
        name: stage[lang],
        nameEn: stage.en,
        nameAr: stage.ar,
        nameFa: stage.fa,
        position,
        probability: String(stage.probability),
        kind: stage.kind,
      })),
    )
    .execute();
  return pipelineId;
}
