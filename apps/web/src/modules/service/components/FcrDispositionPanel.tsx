import { Button, Card, Group, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Locale } from '../../../i18n/index.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { inboxApi } from '../utils/inbox-api.ts';
import { inboxKeys } from '../utils/inbox-keys.ts';
import { DONE_STATUSES } from '../utils/inbox-views.ts';

/**
 * On a resolved ticket's page: was it resolved at first contact? The agent's answer (the ticket's `fcrDisposition`)
 * is asked, never required, and can be changed; it counts in the service metrics. Shown only when the ticket is done
 * and the caller's role sees the field.
 */
export default function FcrDispositionPanel({ object, record, id }: RecordPanelProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const qc = useQueryClient();
  const [said, setSaid] = useState('');
  const field = object.fields.find((f) => f.key === 'fcrDisposition');
  const save = useMutation({
    mutationFn: (value: string) => inboxApi.setDisposition(id, value),
    onSuccess: async (_, value) => {
      setSaid(
        t('fcr.saved', {
          disposition: label(field?.options?.find((o) => o.value === value)?.labels, locale),
        }),
      );
      await qc.invalidateQueries({ queryKey: recordKeys.detail('tickets', id) });
      void qc.invalidateQueries({ queryKey: inboxKeys.all });
    },
    onError: (error) => setSaid((error as Error).message),
  });
  if (!field || !(DONE_STATUSES as readonly string[]).includes(String(record.status))) return null;
  const current = record.fcrDisposition as string | null | undefined;
  return (
    <Card withBorder padding="md" data-testid="fcr-disposition">
      <Text fw={600} size="sm" id="fcr-ask">
        {t('fcr.ask')}
      </Text>
      <Text size="xs" c="dimmed" mb="xs">
        {t('fcr.askHint')}
      </Text>
      <Group gap="xs" role="group" aria-labelledby="fcr-ask">
        {(field.options ?? []).map((o) => (
          <Button
            key={o.value}
            size="xs"
            variant={current === o.value ? 'filled' : 'default'}
            aria-pressed={current === o.value}
            loading={save.isPending && save.variables === o.value}
            onClick={() => save.mutate(o.value)}
          >
            {label(o.labels, locale)}
          </Button>
        ))}
      </Group>
      <Text size="xs" role="status" mt={4}>
        {said}
      </Text>
    </Card>
  );
}
