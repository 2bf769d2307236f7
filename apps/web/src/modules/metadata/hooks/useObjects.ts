import { useQuery } from '@tanstack/react-query';
import { call, client } from '../../../api/client.ts';
import type { ObjectDef } from '../utils/metadata.ts';
import { metadataKeys } from '../utils/metadata-keys.ts';

/** Every object of the workspace with its fields, in the caller's view. */
export function useObjects() {
  return useQuery({
    queryKey: metadataKeys.objects,
    queryFn: async () => (await call(client.GET('/api/v1/metadata/objects'))).data,
    staleTime: 30_000,
  });
}

export function useObject(key: string): ObjectDef | undefined {
  return useObjects().data?.find((o) => o.key === key);
}
