import { Button, Menu } from '@mantine/core';
import { IconPlayerPlay } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useCan } from '../../auth/hooks/useMe.ts';
import type { ListActionProps, RecordPanelProps } from '../../web-module.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import { workflowsApi } from '../utils/workflows-api.ts';

/**
 * The button of manual workflows: on a list (its selected rows) or a record, a menu of the object's enabled,
 * published workflows with a manual trigger; choosing one starts a run per record and opens the run history.
 */
function RunWorkflowMenu({ object, recordIds }: { object: string; recordIds: string[] }) {
  const { t } = useTranslation();
  const can = useCan('workflows.manage');
  const navigate = useNavigate();
  const action = useAction();
  const workflows = useQuery({ queryKey: workflowKeys.list, queryFn: workflowsApi.list, enabled: can });
  // The route behind the button needs workflows.manage; the list of workflows is fetched only for those who hold it.
  const manual = (workflows.data?.data ?? []).filter(
    (w) =>
      w.enabled &&
      w.currentVersion !== null &&
      w.draft.trigger.type === 'manual' &&
      w.draft.trigger.object === object,
  );
  if (!can || manual.length === 0) return null;
  return (
    <>
      <Menu position="bottom-end">
        <Menu.Target>
          <Button
            size="xs"
            variant="default"
            leftSection={<IconPlayerPlay size={14} />}
            disabled={recordIds.length === 0}
            loading={action.busy}
          >
            {t('workflow.runOn')}
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          {manual.map((w) => (
            <Menu.Item
              key={w.id}
              onClick={() =>
                void action.run(async () => {
                  await workflowsApi.runOn(w.id, recordIds);
                  void navigate({ to: '/workflow-runs', search: { workflowId: w.id } });
                }, [workflowKeys.allRuns])
              }
            >
              {w.draft.trigger.type === 'manual' && w.draft.trigger.label ? w.draft.trigger.label : w.name}
            </Menu.Item>
          ))}
        </Menu.Dropdown>
      </Menu>
      <ErrorText error={action.error} />
    </>
  );
}

/** On a list's toolbar: runs a manual workflow on the selected rows. */
export function RunWorkflowListAction({ object, selected }: ListActionProps) {
  return <RunWorkflowMenu object={object.key} recordIds={[...selected]} />;
}

/** On a record page: runs a manual workflow on this record. */
export default function RunWorkflowPanel({ object, id }: RecordPanelProps) {
  return <RunWorkflowMenu object={object.key} recordIds={[id]} />;
}
