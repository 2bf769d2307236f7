import { Card, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../../../api/client.ts';
import { AnchorLink } from '../../../components/links.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { recordKeys } from '../utils/record-keys.ts';

/** Records of another object that point at this one, e.g. a person's deals or a company's people. */
export function RelatedList({
  object,
  field,
  id,
  title,
}: {
  object: string;
  field: string;
  id: string;
  title: string;
}) {
  const def = useObject(object);
  const { i18n } = useTranslation();
  const { data } = useQuery({
    queryKey: recordKeys.related(object, field, id),
    queryFn: async () =>
      (
        await call(
          client.GET('/api/v1/objects/{object}', {
            params: {
              path: { object },
              query: { limit: 20, filter: JSON.stringify({ field, op: 'eq', value: id }) },
            },
          }),
        )
      ).data as RecordData[],
  });
  if (!def || !data || data.length === 0) return null;
  return (
    <Card withBorder padding="sm">
      <Text fw={600} size="sm" mb={4}>
        {title}
      </Text>
      <Stack gap={2}>
        {data.map((r) => (
          <AnchorLink key={r.id} to="/o/$object/$id" params={{ object, id: r.id }} size="sm">
            {titleOf(def, r, i18n.language as Locale)}
          </AnchorLink>
        ))}
      </Stack>
    </Card>
  );
}
