import { Button, Card, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { RelationLink } from '../../records/components/RelationLink.tsx';
import type { RecordPanelProps } from '../../web-module.ts';
import { leadsKeys } from '../utils/leads-keys.ts';
import { AssignmentReason } from './AssignmentReason.tsx';
import { ConvertLeadDialog } from './ConvertLeadDialog.tsx';

/** A lead's side panel: why it has its owner, and either the Convert button or what it became. */
export default function LeadPanel({ id, record }: RecordPanelProps) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  const conversion = useQuery({
    queryKey: leadsKeys.conversion(id),
    queryFn: async () =>
      (await call(client.GET('/api/v1/leads/{id}/conversion', { params: { path: { id } } }))).conversion,
  });
  const became = conversion.data;
  return (
    <Card withBorder padding="sm" data-testid="lead-panel">
      <Stack gap="xs">
        <AssignmentReason leadId={id} />
        {became ? (
          <div>
            <Text fw={600} size="sm" component="h3">
              {t('leads.became')}
            </Text>
            <Stack gap={2}>
              {became.personId && <RelationLink object="people" id={became.personId} />}
              {became.companyId && <RelationLink object="companies" id={became.companyId} />}
              {became.dealId && <RelationLink object="deals" id={became.dealId} />}
            </Stack>
            <Text size="xs" c="dimmed">
              {t('leads.readOnly')}
            </Text>
          </div>
        ) : (
          record.status !== 'converted' && (
            <Button onClick={() => setOpen(true)} data-testid="convert-lead">
              {t('leads.convert')}
            </Button>
          )
        )}
      </Stack>
      {open && <ConvertLeadDialog leadId={id} lead={record} onClose={() => setOpen(false)} />}
    </Card>
  );
}
