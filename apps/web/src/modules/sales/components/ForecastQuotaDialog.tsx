import { Modal, Stack, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { FormButtons } from '../../../components/FormButtons.tsx';
import { type ForecastRow, forecastApi, forecastKeys } from '../utils/forecast-api.ts';
import { parseAmount } from '../utils/forecast-format.ts';

/** A manager sets a rep's or team's quota for the period, in the workspace's currency; emptied, it is removed. */
export function ForecastQuotaDialog({
  period,
  periodName,
  row,
  currency,
  onClose,
}: {
  period: string;
  periodName: string;
  currency: string;
  row: ForecastRow & { kind: 'user' | 'team' };
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [amount, setAmount] = useState(row.quota === null ? '' : String(row.quota));
  const [checked, setChecked] = useState(false);
  const value = parseAmount(amount);
  const bad = amount.trim() !== '' && value === null;
  const save = useMutation({
    mutationFn: () =>
      forecastApi.setQuota({ period, subjectKind: row.kind, subjectId: row.id, amount: value }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: forecastKeys.all });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('forecast.quotaTitle', { name: row.name, period: periodName })}>
      <Stack
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          setChecked(true);
          if (!bad) save.mutate();
        }}
      >
        <ErrorText error={save.error} />
        <TextInput
          label={t('forecast.columns.quota')}
          inputMode="decimal"
          dir="ltr"
          data-autofocus
          description={t('forecast.quotaHint', { currency })}
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={(checked && bad ? t('forecast.badAmount') : undefined) ?? fieldError(save.error, 'amount')}
        />
        <FormButtons
          onCancel={onClose}
          cancelLabel={t('forecast.cancel')}
          submitLabel={t('forecast.save')}
          loading={save.isPending}
        />
      </Stack>
    </Modal>
  );
}
