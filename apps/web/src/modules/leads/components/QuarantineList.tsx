import { Badge, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { useFormTargets } from '../hooks/useFormTargets.ts';
import { SPAM_REASONS, type WebForm, webFormsKeys } from '../utils/web-forms-keys.ts';

const known = new Set<string>(SPAM_REASONS);

/** Submissions held back as spam, newest first, with their reasons: release one (its record is made) or delete it. */
export function QuarantineList({ forms }: { forms: WebForm[] }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const qc = useQueryClient();
  const { targets } = useFormTargets();
  const key = webFormsKeys.submissions('quarantined');
  const page = useInfiniteQuery({
    queryKey: key,
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      call(
        client.GET('/api/v1/web-form-submissions', {
          params: {
            query: { status: 'quarantined', limit: 50, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const refresh = () => qc.invalidateQueries({ queryKey: key });
  const release = useMutation({
    mutationFn: async (id: string) =>
      call(client.POST('/api/v1/web-form-submissions/{id}/release', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      call(client.DELETE('/api/v1/web-form-submissions/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const rows = page.data?.pages.flatMap((p) => p.data) ?? [];
  const formName = (id: string) => forms.find((f) => f.id === id)?.name ?? '';
  const fieldName = (target: string, k: string) => {
    const def = targets.find((x) => x.object === target)?.fields.find((f) => f.key === k);
    return def ? label(def.labels, locale) : k;
  };
  return (
    <Stack>
      <Text size="sm" c="dimmed">
        {t('webForms.quarantineHint')}
      </Text>
      <ErrorText error={page.error ?? release.error ?? remove.error} />
      {rows.length === 0 && !page.isLoading ? (
        <Text size="sm">{t('webForms.noneHeld')}</Text>
      ) : (
        <Table.ScrollContainer minWidth={640} type="native">
          <Table withTableBorder data-testid="web-form-quarantine">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('webForms.received')}</Table.Th>
                <Table.Th>{t('webForms.form')}</Table.Th>
                <Table.Th>{t('webForms.values')}</Table.Th>
                <Table.Th>{t('webForms.reasons')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td>{formatDateTime(s.createdAt, prefs)}</Table.Td>
                  <Table.Td>{formName(s.formId)}</Table.Td>
                  <Table.Td>
                    {Object.entries(s.values).map(([k, v]) => (
                      <Text key={k} size="sm">
                        {fieldName(s.target, k)}: <bdi>{v}</bdi>
                      </Text>
                    ))}
                    {s.utm.source && (
                      <Text size="xs" c="dimmed">
                        UTM:{' '}
                        <bdi>{[s.utm.source, s.utm.medium, s.utm.campaign].filter(Boolean).join(' / ')}</bdi>
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {s.reasons.map((r) => (
                        <Badge key={r} variant="outline" color="red.9">
                          {known.has(r) ? t(`webForms.reason.${r}`) : r}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Button
                        size="xs"
                        variant="light"
                        onClick={() => release.mutate(s.id)}
                        loading={release.isPending}
                      >
                        {t('webForms.release')}
                      </Button>
                      <Button size="xs" variant="subtle" color="red" onClick={() => remove.mutate(s.id)}>
                        {t('webForms.delete')}
                      </Button>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      {page.hasNextPage && (
        <Button
          variant="default"
          w="fit-content"
          onClick={() => page.fetchNextPage()}
          loading={page.isFetchingNextPage}
        >
          {t('webForms.more')}
        </Button>
      )}
    </Stack>
  );
}
