import { useQuery } from '@tanstack/react-query';
import { ApiError } from '../../../../../apps/web/src/api/client.ts';
import { sampleKeys } from '../utils/sample-keys.ts';

/** What `GET /api/v1/sample/summary` answers. */
export interface SampleSummary {
  sightings: number;
}

/**
 * The sample module's summary. Its route is not in the shipped OpenAPI document the typed client is generated
 * from (the module is never shipped), so it is fetched by hand and its answer checked before use.
 */
export function useSampleSummary(enabled = true) {
  return useQuery({
    queryKey: sampleKeys.summary,
    enabled,
    queryFn: async (): Promise<SampleSummary> => {
      const response = await fetch('/api/v1/sample/summary', { credentials: 'same-origin' });
      const body: unknown = await response.json().catch(() => ({}));
      if (!response.ok) throw new ApiError(response.status, body as object);
      const sightings = (body as { sightings?: unknown }).sightings;
      if (typeof sightings !== 'number')
        throw new ApiError(response.status, { detail: 'No count of sightings' });
      return { sightings };
    },
  });
}
