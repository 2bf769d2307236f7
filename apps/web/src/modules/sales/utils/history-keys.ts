import type { components } from '../../../api/schema.gen.ts';
import type { Locale } from '../../../i18n/index.ts';
import type { Prefs } from '../../../lib/format.ts';

/** Query keys of deal history, stage statistics, win and loss reasons and the sales settings. */
export const historyKeys = {
  history: (dealId: string) => ['kanban', 'deal-history', dealId] as const,
  reasons: (includeArchived: boolean) => ['kanban', 'reasons', includeArchived] as const,
  settings: ['kanban', 'sales-settings'] as const,
};

export type DealReason = components['schemas']['DealReason'];

/** A reason's label in the user's language, else English, Arabic or Persian, whichever it has. */
export function reasonLabel(reason: DealReason, locale: Locale): string {
  return reason.label[locale] ?? reason.label.en ?? reason.label.ar ?? reason.label.fa ?? '';
}

/**
 * A length of time in the user's language and digits, in its largest sensible unit (days, hours or minutes, one
 * decimal at most): how long a deal stayed in a stage.
 */
export function formatDuration(seconds: number, prefs: Prefs): string {
  const [value, unit] =
    seconds >= 86_400
      ? [seconds / 86_400, 'day']
      : seconds >= 3_600
        ? [seconds / 3_600, 'hour']
        : seconds >= 60
          ? [seconds / 60, 'minute']
          : [Math.max(seconds, 0), 'second'];
  return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
    style: 'unit',
    unit,
    unitDisplay: 'long',
    maximumFractionDigits: unit === 'second' ? 0 : 1,
  }).format(value);
}
