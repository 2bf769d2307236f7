import { Button, Card, Grid, Group, Modal, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { Suspense, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { client } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { webModules } from '../../index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label, titleOf, visibleFields } from '../../metadata/utils/metadata.ts';
import { panelsFor } from '../../web-module.ts';
import { useRecord } from '../hooks/useRecord.ts';
import { recordKeys } from '../utils/record-keys.ts';
import { FieldValue } from './FieldValue.tsx';
import { RecordFlags } from './RecordFlags.tsx';
import { RecordForm } from './RecordForm.tsx';
import { UserName } from './UserName.tsx';

/**
 * A record's page: its title, flags and owner, its details, and the panels modules fill for its object (related
 * lists, the timeline, a deal's stages).
 */
export default function RecordPage() {
  const { object: objectKey, id } = useParams({ from: '/app/o/$object/$id' });
  const object = useObject(objectKey);
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const navigate = useNavigate();
  const qc = useQueryClient();
  const record = useRecord(objectKey, id);
  const [editing, setEditing] = useState(false);
  useDocumentTitle(object && record.data ? titleOf(object, record.data, locale) : undefined);
  if (!object) return null;
  if (record.error) return <Text>{t('record.notFound')}</Text>;
  if (!record.data) return null;
  const r = record.data;
  const title = titleOf(object, r, locale);
  // Shown as its field shows it: a deal's stage by name, an activity's type in the user's language.
  const subtitleField = object.fields.find((f) => f.key === object.subtitleField);
  const subtitle = subtitleField ? r[subtitleField.key] : null;
  const main = panelsFor(webModules, objectKey, 'main');
  const side = panelsFor(webModules, objectKey, 'side');
  return (
    <Stack>
      <Card withBorder padding="md">
        <Group justify="space-between" align="flex-start" wrap="wrap">
          <div>
            <Title order={2} size="h3" data-testid="record-title">
              {title}
            </Title>
            {subtitleField && subtitle !== null && subtitle !== undefined && subtitle !== '' && (
              <div data-testid="record-subtitle">
                <FieldValue field={subtitleField} value={subtitle} />
              </div>
            )}
            <RecordFlags object={object} record={r} />
          </div>
          <Stack gap={4} align="flex-end">
            {'owner' in r && (
              <Group gap={4}>
                <Text size="sm" c="dimmed">
                  {t('record.owner')}:
                </Text>
                <UserName id={r.owner as string} />
              </Group>
            )}
            {/* A module's kept records (NPS surveys) are read here, never edited or deleted. */}
            {!object.keptBy && (
              <Group gap="xs">
                <Button size="xs" variant="default" onClick={() => setEditing(true)}>
                  {t('record.edit')}
                </Button>
                <Button
                  size="xs"
                  color="red"
                  variant="subtle"
                  onClick={async () => {
                    await client.DELETE('/api/v1/objects/{object}/{id}', {
                      params: { path: { object: objectKey, id } },
                    });
                    await qc.invalidateQueries({ queryKey: recordKeys.lists(objectKey) });
                    await navigate({ to: '/o/$object', params: { object: objectKey } });
                  }}
                >
                  {t('record.delete')}
                </Button>
              </Group>
            )}
          </Stack>
        </Group>
      </Card>
      <Grid>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack>
            <Card withBorder padding="md">
              <Text fw={600} size="sm" mb="xs">
                {t('record.details')}
              </Text>
              <Grid>
                {visibleFields(object).map((f) => (
                  <Grid.Col key={f.key} span={{ base: 12, sm: 6 }} data-field={f.key}>
                    <Text size="xs" c="dimmed">
                      {label(f.labels, locale)}
                    </Text>
                    <FieldValue field={f} value={r[f.key]} record={{ objectKey, id }} />
                  </Grid.Col>
                ))}
              </Grid>
            </Card>
            {main.map((panel) => (
              <Suspense key={panel.id}>
                <panel.component object={object} record={r} id={id} />
              </Suspense>
            ))}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Stack>
            {side.map((panel) => (
              <Suspense key={panel.id}>
                <panel.component object={object} record={r} id={id} />
              </Suspense>
            ))}
          </Stack>
        </Grid.Col>
      </Grid>
      <Modal
        opened={editing}
        onClose={() => setEditing(false)}
        title={`${t('record.edit')}: ${title}`}
        size="xl"
      >
        <RecordForm
          object={object}
          record={r}
          onCancel={() => setEditing(false)}
          onSaved={async () => {
            setEditing(false);
            // The record and everything each module shows of it (its timeline, its panels) are refreshed.
            await qc.invalidateQueries({ queryKey: recordKeys.detail(objectKey, id) });
            for (const m of webModules) m.live?.records?.(qc, new Set([objectKey]));
          }}
        />
      </Modal>
    </Stack>
  );
}
