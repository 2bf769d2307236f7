import { useQuery } from '@tanstack/react-query';
import { forecastApi, forecastKeys } from '../utils/forecast-api.ts';

/** The workspace's fiscal calendar, its first month, the probability used and the currency amounts are in. */
export function useForecastSettings() {
  return useQuery({ queryKey: forecastKeys.settings, queryFn: forecastApi.settings, staleTime: 60_000 });
}
