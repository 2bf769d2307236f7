import { Button, Group, Modal, NumberInput, Select, Stack, Switch } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Workflow, WorkflowSettings } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';

/** Whose rights runs have, how runs for one record share it, and whether a record may run again. */
export function SettingsModal({
  workflow,
  opened,
  onClose,
  onSaved,
}: {
  workflow: Workflow;
  opened: boolean;
  onClose: () => void;
  onSaved: (w: Workflow) => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const [settings, setSettings] = useState<WorkflowSettings>(workflow.settings);
  return (
    <Modal opened={opened} onClose={onClose} title={t('workflow.settings')}>
      <Stack>
        <Select
          label={t('workflow.runAs')}
          allowDeselect={false}
          value={settings.runAs}
          onChange={(v) => setSettings({ ...settings, runAs: v === 'starter' ? 'starter' : 'owner' })}
          data={(['owner', 'starter'] as const).map((v) => ({
            value: v,
            label: t(`workflow.runAsOption.${v}`),
          }))}
        />
        <Select
          label={t('workflow.concurrency')}
          allowDeselect={false}
          value={settings.concurrency}
          onChange={(v) =>
            setSettings({ ...settings, concurrency: v === 'queue' || v === 'skip' ? v : 'parallel' })
          }
          data={(['parallel', 'queue', 'skip'] as const).map((v) => ({
            value: v,
            label: t(`workflow.concurrencyOption.${v}`),
          }))}
        />
        <Switch
          label={t('workflow.reenrol')}
          checked={settings.reenrol.allowed}
          onChange={(e) =>
            setSettings({ ...settings, reenrol: { ...settings.reenrol, allowed: e.currentTarget.checked } })
          }
        />
        {settings.reenrol.allowed ? (
          <NumberInput
            label={t('workflow.cooldown')}
            min={0}
            max={525_600}
            value={settings.reenrol.cooldownMinutes}
            onChange={(v) =>
              setSettings({
                ...settings,
                reenrol: { ...settings.reenrol, cooldownMinutes: typeof v === 'number' ? v : 0 },
              })
            }
          />
        ) : null}
        <Group grow align="flex-start">
          <NumberInput
            label={t('workflow.emailLimit')}
            description={t('workflow.emailLimitHint')}
            min={1}
            max={1000}
            allowDecimal={false}
            value={settings.emailLimit.perRecipient}
            onChange={(v) =>
              setSettings({
                ...settings,
                emailLimit: { ...settings.emailLimit, perRecipient: typeof v === 'number' && v >= 1 ? v : 1 },
              })
            }
          />
          <NumberInput
            label={t('workflow.emailLimitHours')}
            min={1}
            max={24 * 365}
            allowDecimal={false}
            value={settings.emailLimit.hours}
            onChange={(v) =>
              setSettings({
                ...settings,
                emailLimit: { ...settings.emailLimit, hours: typeof v === 'number' && v >= 1 ? v : 1 },
              })
            }
          />
        </Group>
        <ErrorText error={action.error} />
        <Button
          loading={action.busy}
          onClick={() =>
            void action.run(async () => {
              onSaved(await workflowsApi.update(workflow.id, { settings }));
              onClose();
            }, [workflowKeys.list])
          }
        >
          {t('workflow.saveSettings')}
        </Button>
      </Stack>
    </Modal>
  );
}
