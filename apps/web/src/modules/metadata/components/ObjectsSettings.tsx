import { ActionIcon, Code, Select, Stack, Table } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useObjects } from '../hooks/useObjects.ts';
import { label } from '../utils/metadata.ts';
import { metadataKeys } from '../utils/metadata-keys.ts';
import { NewField } from './NewField.tsx';
import { NewObject } from './NewObject.tsx';

/** Objects and their fields: remove custom fields, add fields and custom objects. */
export default function ObjectsSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects().data ?? [];
  const [selected, setSelected] = useState<string>('people');
  const object = objects.find((o) => o.key === selected);
  const { error, run } = useAction();
  return (
    <Stack>
      <Section title={t('settings.objects')}>
        <Stack>
          <Select
            label={t('nav.objects')}
            data={objects.map((o) => ({
              value: o.key,
              label: `${label(o.labels.plural, locale)} (${o.custom ? t('settings.custom') : t('settings.standard')})`,
            }))}
            value={selected}
            onChange={(v) => v && setSelected(v)}
            maw={360}
          />
          {object && (
            <Table striped withTableBorder>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('settings.key')}</Table.Th>
                  <Table.Th>{t('list.field')}</Table.Th>
                  <Table.Th>{t('settings.type')}</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {object.fields.map((f) => (
                  <Table.Tr key={f.key}>
                    <Table.Td>
                      <Code>{f.key}</Code>
                    </Table.Td>
                    <Table.Td>{label(f.labels, locale)}</Table.Td>
                    <Table.Td>{t(`fieldType.${f.type}`)}</Table.Td>
                    <Table.Td>
                      {f.custom && (
                        <ActionIcon
                          variant="subtle"
                          color="red"
                          aria-label={`${t('settings.remove')} ${label(f.labels, locale)}`}
                          onClick={() =>
                            run(
                              () =>
                                call(
                                  client.DELETE('/api/v1/metadata/objects/{object}/fields/{field}', {
                                    params: { path: { object: object.key, field: f.key } },
                                  }),
                                ),
                              [metadataKeys.objects],
                            )
                          }
                        >
                          <IconTrash size={14} />
                        </ActionIcon>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          <ErrorText error={error} />
          {object && <NewField object={object} objects={objects} />}
        </Stack>
      </Section>
      <NewObject onCreated={setSelected} />
    </Stack>
  );
}
