import {
  Button,
  Checkbox,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  TagsInput,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import {
  ABANDONED_RULES,
  type CallQueue,
  listError,
  type QueueInput,
  queueKeys,
  queuesApi,
  type ServiceLevel,
} from '../utils/queues-api.ts';
import { type CodeRow, codeRowOf, codesOfRows, QueueWrapUpCodes } from './QueueWrapUpCodes.tsx';

/**
 * Makes or changes a call queue: its name, what phone systems call it (queue keys) and the numbers that reach it,
 * the members who take its calls, its own wrap-up codes (none: the workspace's), its own wrap-up time (none: the
 * phone system's) and its service-level target (none: the wall shows no service level for it).
 */
export function QueueForm({
  queue,
  onSaved,
  onCancel,
}: {
  queue: CallQueue | null;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const action = useAction();
  const members = (useMembers().data ?? []).map((m) => ({ value: m.userId, label: m.name }));
  const [name, setName] = useState(queue?.name ?? '');
  const [keys, setKeys] = useState<string[]>(queue?.keys ?? []);
  const [numbers, setNumbers] = useState<string[]>(queue?.numbers ?? []);
  const [picked, setPicked] = useState<string[]>(queue?.members ?? []);
  const [codes, setCodes] = useState<CodeRow[]>((queue?.wrapUpCodes ?? []).map(codeRowOf));
  const [ownTime, setOwnTime] = useState(queue !== null && queue.wrapUpSeconds !== null);
  const [seconds, setSeconds] = useState<number>(queue?.wrapUpSeconds ?? 30);
  const [hasTarget, setHasTarget] = useState(queue?.serviceLevel != null);
  const [target, setTarget] = useState<ServiceLevel>(
    queue?.serviceLevel ?? { seconds: 20, percent: 80, abandoned: 'counted' },
  );
  const error = action.error;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body: QueueInput = {
      name,
      keys,
      numbers,
      members: picked,
      wrapUpCodes: codesOfRows(codes),
      wrapUpSeconds: ownTime ? seconds : null,
      serviceLevel: hasTarget ? target : null,
    };
    void action.run(async () => {
      if (queue === null) await queuesApi.create(body);
      else await queuesApi.update(queue.id, body);
      onSaved();
    }, [queueKeys.all]);
  };

  return (
    <form onSubmit={submit} data-testid="call-queue-form">
      <Stack gap="sm">
        <TextInput
          label={t('callQueues.name')}
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          required
          maxLength={200}
          error={fieldError(error, 'name')}
        />
        <TagsInput
          label={t('callQueues.keys')}
          description={t('callQueues.keysHint')}
          value={keys}
          onChange={setKeys}
          maxTags={50}
          dir="ltr"
          error={listError(error, 'keys')}
        />
        <TagsInput
          label={t('callQueues.numbers')}
          description={t('callQueues.numbersHint')}
          value={numbers}
          onChange={setNumbers}
          maxTags={50}
          dir="ltr"
          error={listError(error, 'numbers')}
        />
        <MultiSelect
          label={t('callQueues.members')}
          description={t('callQueues.membersHint')}
          data={members}
          value={picked}
          onChange={setPicked}
          searchable
          clearable
          hidePickedOptions
          error={listError(error, 'members')}
        />
        <Stack gap={6}>
          <Checkbox
            label={t('callQueues.ownWrapUp')}
            checked={ownTime}
            onChange={(e) => setOwnTime(e.currentTarget.checked)}
          />
          {ownTime ? (
            <NumberInput
              label={t('callQueues.wrapUp')}
              description={t('callQueues.wrapUpHint')}
              value={seconds}
              onChange={(v) => setSeconds(typeof v === 'number' ? v : Number(v) || 0)}
              min={0}
              max={3600}
              allowDecimal={false}
              error={fieldError(error, 'wrapUpSeconds')}
            />
          ) : null}
        </Stack>
        <Stack gap={6}>
          <Checkbox
            label={t('callQueues.serviceLevel')}
            description={t('callQueues.serviceLevelHint')}
            checked={hasTarget}
            onChange={(e) => setHasTarget(e.currentTarget.checked)}
          />
          {hasTarget ? (
            <Group grow align="flex-start">
              <NumberInput
                label={t('callQueues.slPercent')}
                value={target.percent}
                onChange={(v) =>
                  setTarget({ ...target, percent: typeof v === 'number' ? v : Number(v) || 0 })
                }
                min={1}
                max={100}
                suffix="%"
                allowDecimal={false}
                error={fieldError(error, 'serviceLevel.percent')}
              />
              <NumberInput
                label={t('callQueues.slSeconds')}
                value={target.seconds}
                onChange={(v) =>
                  setTarget({ ...target, seconds: typeof v === 'number' ? v : Number(v) || 0 })
                }
                min={1}
                max={3600}
                allowDecimal={false}
                error={fieldError(error, 'serviceLevel.seconds')}
              />
              <Select
                label={t('callQueues.slAbandoned')}
                data={ABANDONED_RULES.map((r) => ({
                  value: r,
                  label: t(`callQueues.slAbandonedRules.${r}`),
                }))}
                value={target.abandoned}
                onChange={(v) =>
                  setTarget({ ...target, abandoned: (v as ServiceLevel['abandoned']) ?? 'counted' })
                }
                allowDeselect={false}
                comboboxProps={{ withinPortal: false }}
              />
            </Group>
          ) : null}
        </Stack>
        <QueueWrapUpCodes rows={codes} onChange={setCodes} error={error} />
        <ErrorText error={error} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            {t('record.cancel')}
          </Button>
          <Button type="submit" loading={action.busy} data-testid="call-queue-save">
            {t('callQueues.save')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
