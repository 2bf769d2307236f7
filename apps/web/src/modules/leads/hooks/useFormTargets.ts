import { useQuery } from '@tanstack/react-query';
import { call, client } from '../../../api/client.ts';
import { type WebFormTarget, webFormsKeys } from '../utils/web-forms-keys.ts';

/** What web forms may make (leads, tickets) and the fields a form of each may ask for, as the server says. */
export function useFormTargets(): { targets: WebFormTarget[]; error: unknown } {
  const query = useQuery({
    queryKey: webFormsKeys.targets,
    queryFn: async () => (await call(client.GET('/api/v1/web-form-targets'))).data,
    staleTime: 60_000,
  });
  return { targets: query.data ?? [], error: query.error };
}
