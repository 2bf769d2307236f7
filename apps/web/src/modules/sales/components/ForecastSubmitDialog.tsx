import { Modal, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { FormButtons } from '../../../components/FormButtons.tsx';
import { forecastApi, forecastKeys } from '../utils/forecast-api.ts';
import { parseAmount } from '../utils/forecast-format.ts';

/**
 * A rep sends their own commit and best case for a period, with a note: kept with its time beside earlier ones
 * (the table shows the latest). Starts from what the forecast counts for them.
 */
export function ForecastSubmitDialog({
  period,
  periodName,
  initial,
  onClose,
}: {
  period: string;
  periodName: string;
  initial: { commit: number; bestCase: number };
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [commit, setCommit] = useState(String(initial.commit));
  const [bestCase, setBestCase] = useState(String(initial.bestCase));
  const [note, setNote] = useState('');
  const [checked, setChecked] = useState(false);
  const commitValue = parseAmount(commit);
  const bestValue = parseAmount(bestCase);
  const send = useMutation({
    mutationFn: () =>
      forecastApi.submit({ period, commit: commitValue ?? 0, bestCase: bestValue ?? 0, note: note.trim() }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: forecastKeys.all });
      onClose();
    },
  });
  const below = commitValue !== null && bestValue !== null && bestValue < commitValue;
  const submit = () => {
    setChecked(true);
    if (commitValue === null || bestValue === null || below) return;
    send.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={t('forecast.submitTitle', { period: periodName })}>
      <Stack
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <Text size="sm" c="dimmed">
          {t('forecast.submitHint')}
        </Text>
        <ErrorText error={send.error} />
        <TextInput
          label={t('forecast.commitAmount')}
          inputMode="decimal"
          dir="ltr"
          required
          value={commit}
          onChange={(e) => setCommit(e.currentTarget.value)}
          error={
            (checked && commitValue === null ? t('forecast.badAmount') : undefined) ??
            fieldError(send.error, 'commit')
          }
        />
        <TextInput
          label={t('forecast.bestCaseAmount')}
          inputMode="decimal"
          dir="ltr"
          required
          value={bestCase}
          onChange={(e) => setBestCase(e.currentTarget.value)}
          error={
            (checked && bestValue === null
              ? t('forecast.badAmount')
              : below
                ? t('forecast.bestBelowCommit')
                : undefined) ?? fieldError(send.error, 'bestCase')
          }
        />
        <Textarea
          label={t('forecast.note')}
          autosize
          minRows={2}
          maxLength={2000}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <FormButtons
          onCancel={onClose}
          cancelLabel={t('forecast.cancel')}
          submitLabel={t('forecast.send')}
          loading={send.isPending}
        />
      </Stack>
    </Modal>
  );
}
