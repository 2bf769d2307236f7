import type { Labels } from '@rabita/shared';
import type { ReportMetric } from './manifest.ts';

/**
 * A catalogue metric's measures with their names in three languages: the definition names each in English (what
 * the API and a CSV header show), `measureNames` in all three (what the web's copy names them in).
 */
export function namedMeasures(pairs: [Record<string, unknown>, Labels][]): {
  measures: Record<string, unknown>[];
  measureNames: NonNullable<ReportMetric['measureNames']>;
} {
  return { measures: pairs.map(([m, n]) => ({ ...m, label: n.en })), measureNames: pairs.map(([, n]) => n) };
}
