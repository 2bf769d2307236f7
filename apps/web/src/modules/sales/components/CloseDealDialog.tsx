import { Button, Group, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { RelationInput } from '../../records/components/RelationInput.tsx';
import { historyKeys, reasonLabel } from '../utils/history-keys.ts';

export interface CloseDealChoice {
  closeReason?: string;
  competitor?: string;
  competitorCompany?: string;
}

/** Whether moving a deal into a won or lost stage needs the dialog: a reason is required, or there are some. */
export function useCloseReasons() {
  const reasons = useQuery({
    queryKey: historyKeys.reasons(false),
    queryFn: async () => (await call(client.GET('/api/v1/sales/reasons'))).data,
    staleTime: 30_000,
  });
  const settings = useQuery({
    queryKey: historyKeys.settings,
    queryFn: async () => call(client.GET('/api/v1/sales/settings')),
    staleTime: 30_000,
  });
  return {
    reasons: reasons.data ?? [],
    required: (kind: 'won' | 'lost') =>
      kind === 'won' ? Boolean(settings.data?.requireWonReason) : Boolean(settings.data?.requireLostReason),
    asks: (kind: 'won' | 'lost') =>
      (kind === 'won' ? settings.data?.requireWonReason : settings.data?.requireLostReason) === true ||
      (reasons.data ?? []).some((r) => r.kind === kind),
  };
}

/**
 * The dialog shown when a deal is moved to a won or lost stage: the reason (required when the workspace says),
 * and for a lost deal the competitor it was lost to. The move happens only when it is confirmed.
 */
export function CloseDealDialog({
  kind,
  dealName,
  onCancel,
  onConfirm,
}: {
  kind: 'won' | 'lost';
  dealName: string;
  onCancel: () => void;
  onConfirm: (choice: CloseDealChoice) => Promise<void>;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const { reasons, required } = useCloseReasons();
  const [reason, setReason] = useState<string | null>(null);
  const [competitor, setCompetitor] = useState('');
  const [company, setCompany] = useState<string | null>(null);
  // The company a lost deal went to, chosen like any relation (absent when the role does not show the field).
  const companyField = useObject('deals')?.fields.find((f) => f.key === 'competitorCompany');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const mustChoose = required(kind);
  // A refusal naming the reason is shown under its field, in the user's language; anything else above the form.
  const fieldError =
    error instanceof ApiError && error.errors.some((e) => e.field.endsWith('closeReason'))
      ? t(mustChoose ? 'dealHistory.reasonMissing' : 'dealHistory.reasonRefused')
      : undefined;
  const submit = async () => {
    setError(null);
    setBusy(true);
    try {
      await onConfirm({
        ...(reason ? { closeReason: reason } : {}),
        ...(kind === 'lost' && competitor.trim() ? { competitor: competitor.trim() } : {}),
        ...(kind === 'lost' && company ? { competitorCompany: company } : {}),
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      opened
      onClose={onCancel}
      title={t(kind === 'won' ? 'dealHistory.markWon' : 'dealHistory.markLost', { deal: dealName })}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack>
          {!fieldError && <ErrorText error={error} />}
          <Select
            label={t(kind === 'won' ? 'dealHistory.winReason' : 'dealHistory.lossReason')}
            data={reasons
              .filter((r) => r.kind === kind)
              .map((r) => ({ value: r.id, label: reasonLabel(r, locale) }))}
            value={reason}
            onChange={setReason}
            required={mustChoose}
            clearable={!mustChoose}
            error={fieldError}
            comboboxProps={{ withinPortal: true }}
            data-testid="close-reason"
          />
          {kind === 'lost' && (
            <TextInput
              label={t('dealHistory.competitor')}
              value={competitor}
              onChange={(e) => setCompetitor(e.currentTarget.value)}
              maxLength={300}
            />
          )}
          {kind === 'lost' && companyField && (
            <RelationInput
              field={companyField}
              value={company}
              onChange={(v) => setCompany(typeof v === 'string' ? v : null)}
              named={{ label: label(companyField.labels, locale) }}
              dropdown={{ comboboxProps: { withinPortal: true } }}
              required={false}
            />
          )}
          {mustChoose && (
            <Text size="xs" c="dimmed">
              {t('dealHistory.reasonRequired')}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onCancel}>
              {t('dealHistory.cancel')}
            </Button>
            <Button type="submit" loading={busy}>
              {t(kind === 'won' ? 'dealHistory.confirmWon' : 'dealHistory.confirmLost')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
