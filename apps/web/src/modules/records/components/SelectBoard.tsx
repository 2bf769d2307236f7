import { Badge, Card, Group, ScrollArea, Stack, Text } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { MoveMenu } from '../../../components/MoveMenu.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { type FieldDef, label, type ObjectDef, titleOf } from '../../metadata/utils/metadata.ts';
import { recordKeys } from '../utils/record-keys.ts';

/** Any object's records as a board, one column per choice of a select field; drag a card to change it. */
export function SelectBoard({
  object,
  field,
  filter,
}: {
  object: ObjectDef;
  field: FieldDef;
  filter?: string | undefined;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const qc = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const key = recordKeys.board(object.key, field.key, filter ?? null);
  const { data } = useQuery({
    queryKey: key,
    queryFn: async () => {
      const out: RecordData[] = [];
      let cursor: string | undefined;
      do {
        const page = await call(
          client.GET('/api/v1/objects/{object}', {
            params: {
              path: { object: object.key },
              query: { limit: 1000, ...(filter ? { filter } : {}), ...(cursor ? { cursor } : {}) },
            },
          }),
        );
        out.push(...(page.data as RecordData[]));
        cursor = page.nextCursor ?? undefined;
      } while (cursor && out.length < 5000);
      return out;
    },
  });
  const columns = [
    ...(field.options ?? []).map((o) => ({
      value: o.value as string | null,
      title: label(o.labels, locale),
    })),
    { value: null, title: t('record.none') },
  ];
  const move = async (id: string, value: string | null) => {
    setError(null);
    const previous = qc.getQueryData<RecordData[]>(key);
    if (previous)
      qc.setQueryData(
        key,
        previous.map((r) => (r.id === id ? { ...r, [field.key]: value } : r)),
      );
    try {
      await call(
        client.PATCH('/api/v1/objects/{object}/{id}', {
          params: { path: { object: object.key, id } },
          body: { [field.key]: value },
        }),
      );
    } catch (e) {
      setError(e);
      if (previous) qc.setQueryData(key, previous);
    }
  };
  return (
    <Stack style={{ flex: 1, minHeight: 0 }}>
      <ErrorText error={error} />
      <ScrollArea style={{ flex: 1 }} type="auto">
        <Group align="flex-start" wrap="nowrap" gap="sm" pb="md">
          {columns.map((column) => {
            const cards = (data ?? []).filter((r) => (r[field.key] ?? null) === column.value);
            return (
              <Card
                key={column.value ?? '__none'}
                withBorder
                padding="xs"
                w={240}
                miw={240}
                bg="var(--mantine-color-gray-light)"
                data-column={column.value ?? ''}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  const id = e.dataTransfer.getData('text/plain');
                  if (id) void move(id, column.value);
                }}
              >
                <Group justify="space-between" mb="xs" wrap="nowrap">
                  <Text fw={600} size="sm" truncate>
                    {column.title}
                  </Text>
                  <Badge variant="light">{formatNumber(cards.length, prefs)}</Badge>
                </Group>
                <Stack gap="xs" mih={40}>
                  {cards.map((r) => (
                    <Card
                      key={r.id}
                      withBorder
                      padding="xs"
                      draggable
                      onDragStart={(e) => e.dataTransfer.setData('text/plain', r.id)}
                      style={{ cursor: 'grab' }}
                    >
                      <Group justify="space-between" wrap="nowrap" gap={4}>
                        <AnchorLink to="/o/$object/$id" params={{ object: object.key, id: r.id }} size="sm">
                          {titleOf(object, r, locale)}
                        </AnchorLink>
                        <MoveMenu
                          title={titleOf(object, r, locale)}
                          columns={columns}
                          current={column.value}
                          onMove={(value) => void move(r.id, value)}
                        />
                      </Group>
                    </Card>
                  ))}
                </Stack>
              </Card>
            );
          })}
        </Group>
      </ScrollArea>
    </Stack>
  );
}
