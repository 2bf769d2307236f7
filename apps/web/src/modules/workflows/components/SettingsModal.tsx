import { Button, Group, Modal, NumberInput, Select, Stack, Switch, Text } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useRoles } from '../../roles/hooks/useRoles.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { Workflow, WorkflowSettings } from '../utils/workflow-types.ts';
import { workflowsApi } from '../utils/workflows-api.ts';

type RunAsMode = 'owner' | 'starter' | 'role';

/**
 * Whose rights runs have (the owner, the starter, or a service role picked from the workspace's roles), how runs
 * for one record share it, and whether a record may run again.
 */
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
  const saved = workflow.settings.runAs;
  const [mode, setMode] = useState<RunAsMode>(typeof saved === 'string' ? saved : 'role');
  const [roleId, setRoleId] = useState<string | null>(typeof saved === 'string' ? null : saved.role);
  const roles = useRoles();
  const runAs: WorkflowSettings['runAs'] | undefined =
    mode === 'role' ? (roleId ? { role: roleId } : undefined) : mode;
  return (
    <Modal opened={opened} onClose={onClose} title={t('workflow.settings')}>
      <Stack>
        <Select
          label={t('workflow.runAs')}
          allowDeselect={false}
          value={mode}
          onChange={(v) => setMode(v === 'starter' || v === 'role' ? v : 'owner')}
          data={(['owner', 'starter', 'role'] as const).map((v) => ({
            value: v,
            label: t(`workflow.runAsOption.${v}`),
          }))}
        />
        {mode === 'role' ? (
          roles.isError ? (
            <Text size="sm" c="dimmed">
              {t('workflow.runAsRolesHidden')}
            </Text>
          ) : (
            <Select
              label={t('workflow.runAsRole')}
              description={t('workflow.runAsRoleHint')}
              required
              searchable
              value={roleId}
              onChange={setRoleId}
              data={(roles.data ?? []).map((r) => ({
                value: r.id,
                label: t(`role.${r.key}`, { defaultValue: r.name }),
              }))}
            />
          )
        ) : null}
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
          disabled={!runAs}
          onClick={() =>
            void action.run(async () => {
              if (!runAs) return;
              onSaved(await workflowsApi.update(workflow.id, { settings: { ...settings, runAs } }));
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
