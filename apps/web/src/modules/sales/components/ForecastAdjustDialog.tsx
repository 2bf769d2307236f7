import { Group, Modal, Radio, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { FormButtons } from '../../../components/FormButtons.tsx';
import { type ForecastCategory, type ForecastRow, forecastApi, forecastKeys } from '../utils/forecast-api.ts';
import { parseAmount } from '../utils/forecast-format.ts';

/**
 * A manager's adjustment of a rep's or team's commit or best case, with a note: kept as history, the latest shown
 * beside the owner's own number. An empty amount removes it.
 */
export function ForecastAdjustDialog({
  period,
  row,
  onClose,
}: {
  period: string;
  row: ForecastRow & { kind: 'user' | 'team' };
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  // Each category keeps its own adjustment: choosing one starts from what stands for it.
  const standing = (c: ForecastCategory) => row.adjustments[c];
  const [category, setCategory] = useState<ForecastCategory>(row.adjustment?.category ?? 'commit');
  const [amount, setAmount] = useState(String(standing(category)?.amount ?? ''));
  const [note, setNote] = useState(standing(category)?.note ?? '');
  const choose = (c: ForecastCategory) => {
    setCategory(c);
    setAmount(String(standing(c)?.amount ?? ''));
    setNote(standing(c)?.note ?? '');
  };
  const [checked, setChecked] = useState(false);
  const value = parseAmount(amount);
  const bad = amount.trim() !== '' && value === null;
  const save = useMutation({
    mutationFn: () =>
      forecastApi.adjust({
        period,
        subjectKind: row.kind,
        subjectId: row.id,
        category,
        amount: value,
        note: note.trim(),
      }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: forecastKeys.all });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t('forecast.adjustTitle', { name: row.name })}>
      <Stack
        component="form"
        onSubmit={(e) => {
          e.preventDefault();
          setChecked(true);
          if (!bad) save.mutate();
        }}
      >
        <Text size="sm" c="dimmed">
          {t('forecast.adjustHint')}
        </Text>
        <ErrorText error={save.error} />
        <Radio.Group
          label={t('forecast.category')}
          value={category}
          onChange={(v) => choose(v as ForecastCategory)}
        >
          <Group mt={4}>
            <Radio value="commit" label={t('forecast.categories.commit')} />
            <Radio value="bestCase" label={t('forecast.categories.bestCase')} />
          </Group>
        </Radio.Group>
        <TextInput
          label={t('forecast.amount')}
          inputMode="decimal"
          dir="ltr"
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={(checked && bad ? t('forecast.badAmount') : undefined) ?? fieldError(save.error, 'amount')}
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
          submitLabel={t('forecast.save')}
          loading={save.isPending}
        />
      </Stack>
    </Modal>
  );
}
