import { Button, Divider, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { useCan } from '../../auth/hooks/useMe.ts';
import { workflowsApi } from '../../workflows/utils/workflows-api.ts';

type CaseWorkflows = components['schemas']['CaseWorkflows'];
const TYPES = ['complaint', 'return'] as const;
const key = ['service', 'case-workflows'] as const;

/**
 * Settings → Complaints and returns, inside the case settings' section: the manual workflow on tickets each case type starts when an agent opens it
 * from a call. Changed with `service.cases.manage`, as the server checks.
 */
export function CaseWorkflowsSettings() {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const canManage = useCan('service.cases.manage');
  const saved = useQuery({
    queryKey: key,
    queryFn: () => call(client.GET('/api/v1/service/case-workflows')),
  });
  const workflows = useQuery({
    queryKey: ['service', 'case-workflows', 'choices'],
    queryFn: workflowsApi.list,
    enabled: canManage,
    retry: false,
  });
  const [draft, setDraft] = useState<CaseWorkflows>({ complaint: null, return: null });
  useEffect(() => {
    if (saved.data) setDraft(saved.data);
  }, [saved.data]);
  const save = useMutation({
    mutationFn: () => call(client.PUT('/api/v1/service/case-workflows', { body: draft })),
    onSuccess: (next) => qc.setQueryData(key, next),
  });
  // Only workflows started by hand on tickets can be chosen (the server refuses others); a saved one stays listed.
  const manual = (workflows.data?.data ?? [])
    .filter(
      (w) =>
        w.draft.trigger.type === 'manual' &&
        'object' in w.draft.trigger &&
        w.draft.trigger.object === 'tickets',
    )
    .map((w) => ({ value: w.id, label: w.name }));
  const options = (id: string | null) =>
    id && !manual.some((o) => o.value === id) ? [...manual, { value: id, label: id }] : manual;
  return (
    <Stack gap="sm" data-testid="case-workflows">
      <Divider />
      <Title order={3} size="h5">
        {t('callExtras.caseWorkflowsTitle')}
      </Title>
      <Text size="sm" c="dimmed">
        {t('callExtras.caseWorkflowsHint')}
      </Text>
      <Group gap="sm" align="flex-start">
        {TYPES.map((type) => (
          <Select
            key={type}
            w={260}
            label={t(type === 'complaint' ? 'callExtras.complaintWorkflow' : 'callExtras.returnWorkflow')}
            placeholder={t('callExtras.noWorkflow')}
            data={options(draft[type])}
            value={draft[type]}
            onChange={(v) => setDraft({ ...draft, [type]: v })}
            clearable
            disabled={!canManage}
            error={fieldError(save.error, type)}
          />
        ))}
      </Group>
      {canManage && (
        <Group>
          <Button loading={save.isPending} onClick={() => save.mutate()}>
            {t('callExtras.saveWorkflows')}
          </Button>
        </Group>
      )}
      <ErrorText error={saved.error ?? save.error ?? workflows.error} />
    </Stack>
  );
}
