import { MultiSelect, NumberInput, SegmentedControl, Select, Stack } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import type { Step } from '../utils/workflow-types.ts';

type AssignStep = Extract<Step, { type: 'assign' }>;
const STRATEGIES = ['roundRobin', 'weighted', 'leastLoad'] as const;

/** An assign step: which person field, whose turn (a team or chosen members), and how the turn is decided. */
export function AssignForm({
  step,
  objectKey,
  onChange,
}: {
  step: AssignStep;
  objectKey: string;
  onChange: (s: Step) => void;
}) {
  const { t, i18n } = useTranslation();
  const object = useObject(objectKey);
  const members = useMembers().data ?? [];
  const teams = useTeams().data ?? [];
  const byTeam = 'teamId' in step.pool;
  const users = 'users' in step.pool ? step.pool.users : [];
  const nameOf = (id: string) => members.find((m) => m.userId === id)?.name ?? id;
  return (
    <Stack gap="sm">
      <Select
        label={t('workflow.assignField')}
        data={(object?.fields ?? [])
          .filter((f) => f.type === 'user' && !f.readOnly)
          .map((f) => ({ value: f.key, label: label(f.labels, i18n.language as Locale) }))}
        value={step.field ?? 'owner'}
        onChange={(v) => v && onChange({ ...step, field: v })}
        allowDeselect={false}
      />
      <Select
        label={t('workflow.assignStrategy')}
        data={STRATEGIES.map((s) => ({ value: s, label: t(`workflow.assignStrategyOption.${s}`) }))}
        value={step.strategy ?? 'roundRobin'}
        onChange={(v) => v && onChange({ ...step, strategy: v as AssignStep['strategy'] })}
        allowDeselect={false}
      />
      <SegmentedControl
        size="xs"
        aria-label={t('workflow.assignPool')}
        value={byTeam ? 'team' : 'users'}
        onChange={(v) =>
          onChange({ ...step, pool: v === 'team' ? { teamId: teams[0]?.id ?? '' } : { users: [] } })
        }
        data={[
          { value: 'users', label: t('workflow.assignUsers') },
          { value: 'team', label: t('workflow.assignTeam') },
        ]}
      />
      {'teamId' in step.pool ? (
        <Select
          label={t('workflow.assignTeam')}
          data={teams.map((team) => ({ value: team.id, label: team.name }))}
          value={step.pool.teamId || null}
          onChange={(v) => v && onChange({ ...step, pool: { teamId: v } })}
          searchable
        />
      ) : (
        <MultiSelect
          label={t('workflow.assignUsers')}
          data={members.map((m) => ({ value: m.userId, label: m.name }))}
          value={users}
          onChange={(v) => onChange({ ...step, pool: { users: v } })}
          searchable
        />
      )}
      {step.strategy === 'weighted'
        ? users.map((id) => (
            <NumberInput
              key={id}
              label={t('workflow.assignWeight', { name: nameOf(id) })}
              min={1}
              max={100}
              allowDecimal={false}
              value={step.weights?.[id] ?? 1}
              onChange={(v) =>
                onChange({
                  ...step,
                  weights: { ...step.weights, [id]: typeof v === 'number' && v >= 1 ? v : 1 },
                })
              }
            />
          ))
        : null}
    </Stack>
  );
}
