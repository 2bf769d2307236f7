import { Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';

/** What a workflow screen shows to a role that may not manage workflows (the server refuses them too). */
export function NoAccess() {
  const { t } = useTranslation();
  return <Text c="dimmed">{t('workflow.noAccess')}</Text>;
}
