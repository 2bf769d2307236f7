import type { Principal } from '../auth/principal.ts';
import type { ReportMetric } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import { ruleFor } from '../records/access.ts';
import { type ReportDefinition, reportDefinitionSchema } from './report-definition.ts';

/** A catalogue entry as the API gives it: the metric with its definition checked by the report schema. */
export interface CatalogueMetric extends Omit<ReportMetric, 'definition'> {
  module: string;
  definition: ReportDefinition;
}

let checked: CatalogueMetric[] | undefined;

/**
 * Every module's metrics, each definition parsed by the same schema a report is saved with, once: a module that
 * declares a definition the engine would refuse fails at the first read, with the metric named.
 */
function catalogue(): CatalogueMetric[] {
  if (checked) return checked;
  checked = registry().modules.flatMap((m) =>
    (m.reportMetrics ?? []).map((metric) => {
      const parsed = reportDefinitionSchema.safeParse(metric.definition);
      if (!parsed.success)
        throw new Error(
          `Module "${m.key}" declares the metric "${metric.key}" with an invalid report: ${parsed.error.message}`,
        );
      return { ...metric, module: m.key, definition: parsed.data };
    }),
  );
  return checked;
}

/**
 * The metrics a caller may run: those over an object their role reads. The run itself applies the rest of their
 * rules (a metric over a field hidden from them is refused, like any report).
 */
export function listMetrics(principal: Principal): CatalogueMetric[] {
  return catalogue().filter((m) => ruleFor(principal, m.definition.object).read);
}
