import { Switch } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth/hooks/useMe.ts';
import { assignmentApi, assignmentKeys } from '../utils/assignment-api.ts';

/**
 * The header's availability switch for the signed-in agent: available for new tickets, or away (the assignment
 * rules skip them). Shown to every member, since any member may be in a rule's pool.
 */
export function AvailabilityToggle() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const me = useMe().data;
  const agents = useQuery({
    queryKey: assignmentKeys.agents,
    queryFn: assignmentApi.agents,
    enabled: Boolean(me),
  });
  const mine = agents.data?.find((a) => a.userId === me?.user?.id);
  const set = useMutation({
    mutationFn: (available: boolean) => assignmentApi.setAvailability(mine!.userId, available),
    onSuccess: () => qc.invalidateQueries({ queryKey: assignmentKeys.agents }),
  });
  if (!me || !mine) return null;
  const available = set.isPending ? Boolean(set.variables) : mine.available;
  return (
    <Switch
      size="sm"
      color="teal"
      checked={available}
      onChange={(e) => set.mutate(e.currentTarget.checked)}
      label={available ? t('deskAssign.available') : t('deskAssign.away')}
      aria-label={t('deskAssign.myAvailability')}
      data-testid="availability-toggle"
    />
  );
}
