import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth/hooks/useMe.ts';

/**
 * What a workflow screen shows to a role that may not manage workflows (the server refuses them too); nothing
 * while the caller's role is still loading, so a manager sees no refusal flash by.
 */
export function NoAccess() {
  const { t } = useTranslation();
  const me = useMe();
  if (me.isPending) return null;
  return <Text c="dimmed">{t('workflow.noAccess')}</Text>;
}
