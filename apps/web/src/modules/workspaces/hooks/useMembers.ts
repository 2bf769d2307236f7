import { useQuery } from '@tanstack/react-query';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { workspaceKeys } from '../utils/workspace-keys.ts';

export type Member = components['schemas']['Member'];

/** The workspace's members; none when the caller's role may not list them. */
export function useMembers() {
  return useQuery({
    queryKey: workspaceKeys.members,
    queryFn: async (): Promise<Member[]> => {
      try {
        return (await call(client.GET('/api/v1/members'))).data;
      } catch {
        return [];
      }
    },
    staleTime: 60_000,
  });
}
