import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { FiscalCalendar, ForecastPeriod } from '../utils/forecast-api.ts';
import { periodLabel } from '../utils/forecast-format.ts';

/** Names periods of a fiscal calendar for the signed-in user: "Q3 1405", "سه‌ماهه ۳ ۱۴۰۵". */
export function usePeriodLabel(fiscal: FiscalCalendar): (period: ForecastPeriod) => string {
  const { t } = useTranslation();
  const prefs = usePrefs();
  return (period) =>
    periodLabel(period, fiscal, prefs, {
      quarter: (quarter, year) => t('forecast.quarterOf', { quarter, year }),
      year: (year) => t('forecast.yearOf', { year }),
    });
}
