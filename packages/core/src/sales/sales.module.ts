import type { ModuleManifest } from '../modules/manifest.ts';
import { dealHooks } from './deal-rules.ts';
import { dealTotals } from './deal-totals.ts';
import { insertDefaultPipeline } from './default-pipeline.ts';
import { deals, pipelines, stages } from './sales.objects.ts';

/** Sales: deals and the pipelines they move through, the rules that keep a deal and its stage consistent. */
export const salesModule: ModuleManifest = {
  key: 'sales',
  objects: [deals, pipelines, stages],
  hooks: [dealHooks],
  seeds: [
    {
      name: 'default pipeline',
      run: async (trx, workspace) => {
        await insertDefaultPipeline(trx, workspace.id, workspace.defaultLocale, workspace.defaultCurrency);
      },
    },
  ],
  aggregateShortcuts: [dealTotals],
  readSurfaces: [],
};
