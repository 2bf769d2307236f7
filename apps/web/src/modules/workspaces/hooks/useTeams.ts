import { useQuery } from '@tanstack/react-query';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { workspaceKeys } from '../utils/workspace-keys.ts';

export type Team = components['schemas']['Team'];

/** The workspace's teams; none when the caller's role may not list them (not asked for while `enabled` is false). */
export function useTeams({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    enabled,
    queryKey: workspaceKeys.teams,
    queryFn: async (): Promise<Team[]> => {
      try {
        return (await call(client.GET('/api/v1/teams'))).data;
      } catch {
        return [];
      }
    },
  });
}
