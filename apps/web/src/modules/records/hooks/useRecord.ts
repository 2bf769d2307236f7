import { useQuery } from '@tanstack/react-query';
import { call, client, type RecordData } from '../../../api/client.ts';
import { recordKeys } from '../utils/record-keys.ts';

/** One record, kept for 30 s: relation links and record pages share it. */
export function useRecord(object: string, id: string | null | undefined) {
  return useQuery({
    queryKey: recordKeys.detail(object, id),
    enabled: Boolean(id),
    queryFn: async () =>
      (await call(
        client.GET('/api/v1/objects/{object}/{id}', { params: { path: { object, id: id as string } } }),
      )) as RecordData,
    staleTime: 30_000,
  });
}
