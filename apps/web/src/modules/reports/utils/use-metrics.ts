import { useQuery } from '@tanstack/react-query';
import { call, client } from '../../../api/client.ts';
import { reportsKeys } from './reports-keys.ts';

/** The metrics catalogue the reader may run (GET /reports/metrics); it changes only with the server's modules. */
export function useMetrics(enabled = true) {
  return useQuery({
    queryKey: reportsKeys.metrics,
    queryFn: async () => (await call(client.GET('/api/v1/reports/metrics'))).data,
    staleTime: Number.POSITIVE_INFINITY,
    enabled,
  });
}
