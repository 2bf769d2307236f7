import { Button, Group, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { formatDate, formatMoney } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { CallCardData } from '../utils/call-card-api.ts';
import { cardExtrasApi, type PromiseInput } from '../utils/card-extras-api.ts';

/** A promise to pay on the call's wrap-up: amount, currency and due date; cleared with one button. */
export function CallPromiseForm({ card, onDone }: { card: CallCardData; onDone: () => void }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const saved = card.call.promise;
  const [amount, setAmount] = useState(saved?.amount ?? '');
  const [currency, setCurrency] = useState(saved?.currency ?? '');
  const [dueOn, setDueOn] = useState(saved?.dueOn ?? '');
  const save = useMutation({
    mutationFn: (promise: PromiseInput) => cardExtrasApi.promise(card.call.id, promise),
    onSuccess: (_, promise) => {
      if (!promise) {
        setAmount('');
        setCurrency('');
        setDueOn('');
      }
      onDone();
    },
  });
  return (
    <Stack gap={4} data-testid="call-promise">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate({ amount: amount.trim(), currency: currency.trim().toUpperCase(), dueOn });
        }}
      >
        <Group gap="xs" align="flex-start" wrap="wrap">
          <TextInput
            size="xs"
            w={110}
            label={t('callExtras.amount')}
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            inputMode="decimal"
            dir="ltr"
            maxLength={20}
            error={fieldError(save.error, 'amount')}
          />
          <TextInput
            size="xs"
            w={70}
            label={t('callExtras.currency')}
            value={currency}
            onChange={(e) => setCurrency(e.currentTarget.value)}
            dir="ltr"
            maxLength={3}
            error={fieldError(save.error, 'currency')}
          />
          <TextInput
            size="xs"
            type="date"
            label={t('callExtras.dueOn')}
            value={dueOn}
            onChange={(e) => setDueOn(e.currentTarget.value)}
            error={fieldError(save.error, 'dueOn')}
          />
        </Group>
        <Group gap="xs" mt={4} justify="space-between">
          <Text size="xs" c="dimmed" role="status">
            {saved
              ? t('callExtras.promised', {
                  amount: formatMoney(saved, prefs),
                  date: formatDate(saved.dueOn, prefs),
                })
              : ''}
          </Text>
          <Group gap="xs">
            {saved && (
              <Button size="xs" variant="subtle" color="gray" onClick={() => save.mutate(null)}>
                {t('callExtras.clearPromise')}
              </Button>
            )}
            <Button
              size="xs"
              variant="light"
              type="submit"
              loading={save.isPending}
              disabled={amount.trim() === '' || currency.trim() === '' || dueOn === ''}
            >
              {t('callExtras.savePromise')}
            </Button>
          </Group>
        </Group>
      </form>
      <ErrorText error={save.error} />
    </Stack>
  );
}
