import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import type { Namer } from './chart-model.ts';
import { measureName } from './measure-name.ts';
import type { ReportResult } from './report-types.ts';

/** How a report's groups and measures are named for the reader: option labels, people, teams, record titles. */
export function useNamer(object: ObjectDef | undefined, result: ReportResult | undefined): Namer {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const members = useMembers().data ?? [];
  const teams = useTeams({ enabled: result?.dimensions.some((d) => d.by === 'team') ?? false }).data ?? [];
  const locale = i18n.language as Locale;
  const fieldOf = (key: string | null | undefined) => object?.fields.find((f) => f.key === key);
  const digitsOf = (n: number) => new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`).format(n);
  return {
    locale: prefs.locale,
    digits: prefs.digits,
    // A quarter's number in the reader's digits, as its year is.
    quarter: (q, year) => t('reports.quarterOf', { quarter: digitsOf(q), year }),
    fiscal: (year, quarter) =>
      quarter === null
        ? t('reports.fiscalYearOf', { year })
        : t('reports.fiscalQuarterOf', { quarter: digitsOf(quarter), year }),
    measure: (i) => {
      const m = result?.measures[i];
      if (!m) return '';
      return measureName(
        m,
        (key) => {
          const field = fieldOf(key);
          return field ? label(field.labels, locale) : undefined;
        },
        t,
      );
    },
    key: (dim, key, others) => {
      if (others) return t('reports.others');
      const d = result?.dimensions[dim];
      // A person's teams: the team's name (from the answer, else the teams the reader may list); none is "no team".
      if (d?.by === 'team')
        return key === null
          ? t('reports.noTeam')
          : (result?.labels[key] ?? teams.find((x) => x.id === key)?.name ?? t('reports.someTeam'));
      if (key === null) return t('reports.empty');
      // An age: the number of the calendar's periods since the other date (month 0 is the same month).
      if (d?.since && d.bucket)
        return t(`reports.sinceKey.${d.bucket}`, {
          n: new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`).format(Number(key)),
        });
      const field = fieldOf(d?.field);
      if (!field) return key;
      if (field.type === 'select') {
        const option = field.options?.find((o) => o.value === key);
        return option ? label(option.labels, locale) : key;
      }
      if (field.type === 'user') return members.find((m) => m.userId === key)?.name ?? t('reports.someone');
      if (field.type === 'relation') return result?.labels[key] ?? t('reports.hiddenRecord');
      if (field.type === 'boolean') return key === 'true' ? t('reports.yes') : t('reports.no');
      if (field.type === 'number' || field.type === 'rating') {
        const format = new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`);
        // A range is named by both ends (its lower end is the key).
        return d?.step
          ? `${format.format(Number(key))}–${format.format(Number(key) + d.step)}`
          : format.format(Number(key));
      }
      return key;
    },
  };
}
