import { Button, Drawer, Group, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Workflow } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';

/** The published versions, newest first; any one can be restored as the draft. */
export function VersionsDrawer({
  workflow,
  opened,
  onClose,
  onRestored,
}: {
  workflow: Workflow;
  opened: boolean;
  onClose: () => void;
  onRestored: (w: Workflow) => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const action = useAction();
  const versions = useQuery({
    queryKey: workflowKeys.versions(workflow.id),
    queryFn: () => workflowsApi.versions(workflow.id),
    enabled: opened,
  });
  const list = [...(versions.data?.data ?? [])].sort((a, b) => b.version - a.version);
  return (
    <Drawer opened={opened} onClose={onClose} title={t('workflow.versions')} position="right">
      <Stack>
        {list.map((v) => (
          <Group key={v.version} justify="space-between" data-version={v.version}>
            <div>
              <Text fw={500}>
                {t('workflow.versionN', { version: formatNumber(v.version, prefs) })}
                {v.version === workflow.currentVersion ? ` · ${t('workflow.current')}` : ''}
              </Text>
              <Text size="xs" c="dimmed">
                {formatDateTime(v.publishedAt, prefs)}
              </Text>
            </div>
            <Button
              size="xs"
              variant="default"
              loading={action.busy}
              onClick={() =>
                void action.run(async () => {
                  onRestored(await workflowsApi.restore(workflow.id, v.version));
                  onClose();
                }, [workflowKeys.one(workflow.id)])
              }
            >
              {t('workflow.restore')}
            </Button>
          </Group>
        ))}
        {list.length === 0 && !versions.isPending ? <Text c="dimmed">{t('workflow.noVersions')}</Text> : null}
        <ErrorText error={versions.error ?? action.error} />
      </Stack>
    </Drawer>
  );
}
