import {
  ActionIcon,
  Box,
  Button,
  Checkbox,
  Fieldset,
  Group,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import { type EmailSequence, isWeekend, WEEKEND_CHOICES } from '../utils/email-types.ts';
import { allPlaced, problemFor, READABLE_ERRORS } from '../utils/field-problem.ts';
import {
  blankSequence,
  nextStep,
  type SequenceDraft,
  type StepDraft,
  sequenceBody,
  sequenceDraftOf,
} from '../utils/sequence-form.ts';
import { TimeSelect } from './TimeSelect.tsx';

/** The most steps a sequence has (the server's limit). */
const MAX_STEPS = 30;

/** A whole number from a number input, or null while it is empty. */
const wholeOrNull = (v: string | number): number | null =>
  typeof v === 'number' && Number.isFinite(v) ? Math.round(v) : null;

/**
 * Creates or edits a sequence: its name, whether it runs, its steps (a template, a wait in business days, sent as
 * a reply in the thread) and when it sends (a local window, a time zone and weekend of its own or the workspace's,
 * a daily cap per mailbox, whether a colleague's reply stops it). Problems show under their fields and steps.
 */
export function SequenceForm({
  sequence,
  onDone,
}: {
  sequence?: EmailSequence | undefined;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const templates = useQuery({ queryKey: emailKeys.templates, queryFn: emailApi.templates });
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const [draft, setDraft] = useState<SequenceDraft>(() =>
    sequence ? sequenceDraftOf(sequence) : blankSequence(),
  );
  const { error, busy, run } = useAction();
  const set = <K extends keyof SequenceDraft>(key: K, value: SequenceDraft[K]) =>
    setDraft((d) => ({ ...d, [key]: value }));
  const setStep = (index: number, patch: Partial<StepDraft>) =>
    setDraft((d) => ({ ...d, steps: d.steps.map((s, i) => (i === index ? { ...s, ...patch } : s)) }));
  const stepFields = draft.steps.flatMap((_, i) => [`steps.${i}.templateId`, `steps.${i}.delayDays`]);
  const placed = [
    'name',
    'steps',
    'settings.window',
    'settings.timeZone',
    'settings.weekend',
    'settings.dailyCap',
    ...stepFields,
  ];
  const save = async () => {
    const body = sequenceBody(draft);
    const ok = await run(
      () => (sequence ? emailApi.updateSequence(sequence.id, body) : emailApi.createSequence(body)),
      [emailKeys.sequences],
    );
    if (ok) onDone();
  };
  const templateChoices = (templates.data ?? []).map((tpl) => ({ value: tpl.id, label: tpl.name }));
  return (
    <Box
      component="form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      data-testid="sequence-form"
      style={READABLE_ERRORS}
    >
      <Stack>
        <Group align="flex-end" wrap="wrap">
          <TextInput
            label={t('email.sequenceName')}
            required
            style={{ flex: 1, minWidth: 220 }}
            value={draft.name}
            onChange={(e) => set('name', e.currentTarget.value)}
            error={problemFor(error, 'name')}
          />
          <Switch
            label={t('email.sequenceEnabled')}
            checked={draft.enabled}
            onChange={(e) => set('enabled', e.currentTarget.checked)}
            mb={8}
          />
        </Group>
        <Fieldset legend={t('email.steps')}>
          <Stack gap="sm">
            {templates.isSuccess && templateChoices.length === 0 && (
              <Text size="sm">{t('email.noTemplatesForSteps')}</Text>
            )}
            {draft.steps.map((step, i) => {
              const n = formatNumber(i + 1, prefs);
              return (
                // Steps have no id of their own: their place is what they are.
                <Stack key={i} gap={6} data-testid="sequence-step">
                  <Group justify="space-between">
                    <Text size="sm" fw={600}>
                      {t('email.stepN', { n })}
                    </Text>
                    {draft.steps.length > 1 && (
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={t('email.removeStep', { n })}
                        onClick={() =>
                          set(
                            'steps',
                            draft.steps.filter((_, j) => j !== i),
                          )
                        }
                      >
                        <IconTrash size={16} aria-hidden />
                      </ActionIcon>
                    )}
                  </Group>
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <Select
                      label={t('email.stepTemplate', { n })}
                      data={templateChoices}
                      value={step.templateId}
                      onChange={(v) => setStep(i, { templateId: v })}
                      searchable
                      required
                      error={problemFor(error, `steps.${i}.templateId`)}
                    />
                    <NumberInput
                      label={t('email.stepDelay', { n })}
                      description={i === 0 ? t('email.firstDelayHint') : t('email.delayHint')}
                      min={0}
                      max={365}
                      allowDecimal={false}
                      value={step.delayDays}
                      onChange={(v) => setStep(i, { delayDays: wholeOrNull(v) ?? 0 })}
                      error={problemFor(error, `steps.${i}.delayDays`)}
                    />
                  </SimpleGrid>
                  {i > 0 && (
                    <Checkbox
                      label={t('email.stepAsReply', { n })}
                      checked={step.asReply}
                      onChange={(e) => setStep(i, { asReply: e.currentTarget.checked })}
                    />
                  )}
                </Stack>
              );
            })}
            <Group>
              <Button
                size="xs"
                variant="light"
                leftSection={<IconPlus size={14} aria-hidden />}
                disabled={draft.steps.length >= MAX_STEPS}
                onClick={() => set('steps', [...draft.steps, nextStep()])}
              >
                {t('email.addStep')}
              </Button>
            </Group>
          </Stack>
        </Fieldset>
        <Fieldset legend={t('email.whenToSend')}>
          <Stack gap="sm">
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TimeSelect
                label={t('email.windowStart')}
                value={draft.windowStart}
                onChange={(v) => set('windowStart', v)}
                error={problemFor(error, 'settings.window')}
              />
              <TimeSelect
                label={t('email.windowEnd')}
                value={draft.windowEnd}
                onChange={(v) => set('windowEnd', v)}
              />
              <Select
                label={t('email.sequenceTimeZone')}
                placeholder={t('email.workspaceTimeZone')}
                data={zones}
                value={draft.timeZone}
                onChange={(v) => set('timeZone', v)}
                searchable
                clearable
                limit={50}
                error={problemFor(error, 'settings.timeZone')}
              />
              <Select
                label={t('email.weekendLabel')}
                data={[
                  { value: '', label: t('email.workspaceWeekend') },
                  ...WEEKEND_CHOICES.map((w) => ({ value: w, label: t(`email.weekend.${w}`) })),
                ]}
                value={draft.weekend ?? ''}
                onChange={(v) => set('weekend', isWeekend(v) ? v : null)}
                allowDeselect={false}
                error={problemFor(error, 'settings.weekend')}
              />
              <NumberInput
                label={t('email.dailyCap')}
                description={t('email.dailyCapHint')}
                placeholder={t('email.noCap')}
                min={1}
                max={10_000}
                allowDecimal={false}
                value={draft.dailyCap ?? ''}
                onChange={(v) => set('dailyCap', wholeOrNull(v))}
                error={problemFor(error, 'settings.dailyCap')}
              />
            </SimpleGrid>
            <Checkbox
              label={t('email.stopOnCompanyReply')}
              description={t('email.stopOnCompanyReplyHint')}
              checked={draft.stopOnCompanyReply}
              onChange={(e) => set('stopOnCompanyReply', e.currentTarget.checked)}
            />
          </Stack>
        </Fieldset>
        {allPlaced(error, placed) ? (
          <Text size="sm" c="red.8" role="alert">
            {t('email.fixFields')}
          </Text>
        ) : (
          <ErrorText error={error} />
        )}
        <Group justify="flex-end">
          {sequence && (
            <Button variant="default" onClick={onDone}>
              {t('email.cancel')}
            </Button>
          )}
          <Button type="submit" loading={busy}>
            {sequence ? t('email.save') : t('email.createSequence')}
          </Button>
        </Group>
      </Stack>
    </Box>
  );
}
