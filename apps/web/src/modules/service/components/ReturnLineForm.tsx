import { Button, Group, NumberInput, Select, SimpleGrid, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { casesApi, casesKeys } from '../utils/cases-api.ts';

const EMPTY = { product: '', orderRef: '', quantity: 1, reasonCode: '', note: '' };

/** Adds an item to a requested return: product, order reference, quantity and a reason from the desk's codes. */
export function ReturnLineForm({ ticketId }: { ticketId: string }) {
  const { t } = useTranslation();
  const settings = useQuery({ queryKey: casesKeys.settings, queryFn: casesApi.settings });
  const [line, setLine] = useState(EMPTY);
  const action = useAction();
  const codes = settings.data?.reasonCodes ?? [];
  const add = async () => {
    const done = await action.run(
      () =>
        casesApi.addLine(ticketId, {
          product: line.product,
          orderRef: line.orderRef.trim() || null,
          quantity: line.quantity,
          reasonCode: line.reasonCode,
          note: line.note.trim() || null,
        }),
      [casesKeys.ofTicket(ticketId)],
    );
    if (done) setLine(EMPTY);
  };
  return (
    <form
      data-testid="return-line-form"
      onSubmit={(e) => {
        e.preventDefault();
        void add();
      }}
    >
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
        <TextInput
          label={t('cases.product')}
          required
          maxLength={300}
          value={line.product}
          onChange={(e) => setLine({ ...line, product: e.currentTarget.value })}
        />
        <TextInput
          label={t('cases.orderRef')}
          maxLength={100}
          value={line.orderRef}
          onChange={(e) => setLine({ ...line, orderRef: e.currentTarget.value })}
        />
        <NumberInput
          label={t('cases.quantity')}
          required
          min={1}
          max={100_000}
          allowDecimal={false}
          value={line.quantity}
          onChange={(v) => setLine({ ...line, quantity: Number(v) || 1 })}
        />
        {codes.length > 0 ? (
          <Select
            label={t('cases.reason')}
            required
            data={codes}
            value={line.reasonCode || null}
            onChange={(v) => setLine({ ...line, reasonCode: v ?? '' })}
          />
        ) : (
          <TextInput
            label={t('cases.reason')}
            required
            maxLength={100}
            value={line.reasonCode}
            onChange={(e) => setLine({ ...line, reasonCode: e.currentTarget.value })}
          />
        )}
        <TextInput
          label={t('cases.note')}
          maxLength={2000}
          value={line.note}
          onChange={(e) => setLine({ ...line, note: e.currentTarget.value })}
        />
      </SimpleGrid>
      <Group mt="sm">
        <Button
          type="submit"
          size="xs"
          loading={action.busy}
          disabled={!line.product.trim() || !line.reasonCode}
        >
          {t('cases.addLine')}
        </Button>
      </Group>
      <ErrorText error={action.error} />
    </form>
  );
}
