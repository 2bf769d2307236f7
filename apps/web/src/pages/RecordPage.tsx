import {
  Badge,
  Button,
  Card,
  Grid,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Timeline,
  Title,
} from '@mantine/core';
import { IconAccessible, IconCoin, IconEarOff, IconPhone, IconStar } from '@tabler/icons-react';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../api/client.ts';
import { DateInput } from '../components/DateInput.tsx';
import { ErrorText } from '../components/ErrorText.tsx';
import { FieldValue, UserName, useRecord } from '../components/FieldValue.tsx';
import { AnchorLink } from '../components/links.tsx';
import { RecordForm } from '../components/RecordForm.tsx';
import type { Locale } from '../i18n/index.ts';
import { useDocumentTitle } from '../lib/document-title.ts';
import { formatDateTime } from '../lib/format.ts';
import { label, type ObjectDef, titleOf, visibleFields } from '../lib/metadata.ts';
import { useObject, useObjects, usePrefs } from '../lib/session.ts';

const FLAG_ICONS: Record<string, ReactNode> = {
  hearing_impaired: <IconEarOff size={14} />,
  wheelchair: <IconAccessible size={14} />,
  vip: <IconStar size={14} />,
  arrears: <IconCoin size={14} />,
};
const FLAG_COLORS: Record<string, string> = {
  hearing_impaired: 'grape',
  wheelchair: 'indigo',
  vip: 'yellow',
  arrears: 'red',
};

/** Records of another object that point at this one, e.g. a person's deals or a company's people. */
function RelatedList({
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
    queryKey: ['records', object, 'related', field, id],
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

type Entry = { kind: 'change' | 'activity' | 'task'; id: string; at: string; [k: string]: unknown };

function TimelineView({ object, id }: { object: ObjectDef; id: string }) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const locale = i18n.language as Locale;
  const query = useInfiniteQuery({
    queryKey: ['timeline', object.key, id],
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      call(
        client.GET('/api/v1/objects/{object}/{id}/timeline', {
          params: {
            path: { object: object.key, id },
            query: { limit: 30, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = (query.data?.pages ?? []).flatMap((p) => p.data as Entry[]);
  const fieldName = (k: string) => label(object.fields.find((f) => f.key === k)?.labels, locale) || k;
  const typeField = useObject('activities')?.fields.find((f) => f.key === 'type');
  const activityType = (v: string) =>
    label(typeField?.options?.find((o) => o.value === v)?.labels, locale) || v;
  if (entries.length === 0)
    return (
      <Text c="dimmed" size="sm">
        {t('record.noTimeline')}
      </Text>
    );
  return (
    <Stack>
      <Timeline bulletSize={14} lineWidth={2}>
        {entries.map((e) => {
          let text = '';
          if (e.kind === 'change') {
            const actor = (e.actor as { name: string | null }).name ?? t(`source.${String(e.source)}`);
            const fields = new Intl.ListFormat(locale, { type: 'unit' }).format(
              Object.keys((e.changes as object) ?? {}).map(fieldName),
            );
            text =
              e.action === 'created'
                ? t('record.createdBy', { actor })
                : e.action === 'deleted'
                  ? t('record.deletedBy', { actor })
                  : e.action === 'restored'
                    ? t('record.restoredBy', { actor })
                    : t('record.changedBy', { actor, fields });
          } else if (e.kind === 'activity')
            text = [activityType(String(e.type)), e.subject ? String(e.subject) : '']
              .filter(Boolean)
              .join(' · ');
          else text = `✓ ${String(e.title)}`;
          return (
            <Timeline.Item key={`${e.kind}:${e.id}`} title={<Text size="sm">{text}</Text>}>
              {e.kind === 'activity' && e.body ? (
                <Text size="sm" c="dimmed">
                  {String(e.body)}
                </Text>
              ) : null}
              <Text size="xs" c="dimmed">
                {formatDateTime(e.at, prefs)}
                {e.kind === 'change'
                  ? ` · ${t('record.via', { source: t(`source.${String(e.source)}`) })}`
                  : ''}
              </Text>
            </Timeline.Item>
          );
        })}
      </Timeline>
      {query.hasNextPage && (
        <Button size="xs" variant="subtle" onClick={() => void query.fetchNextPage()}>
          {t('record.loadMore')}
        </Button>
      )}
    </Stack>
  );
}

const LINK_FIELD: Record<string, string> = {
  people: 'people',
  companies: 'companies',
  deals: 'deals',
  leads: 'leads',
};

/** Log a call, add a note or create a task, linked to this record. */
function QuickActions({ object, id }: { object: ObjectDef; id: string }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [mode, setMode] = useState<'call' | 'note' | 'task' | null>(null);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [minutes, setMinutes] = useState<number | string>('');
  const [direction, setDirection] = useState<string | null>('outbound');
  const [due, setDue] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const close = () => {
    setMode(null);
    setSubject('');
    setBody('');
    setMinutes('');
    setDue(null);
    setError(null);
  };
  const link = LINK_FIELD[object.key];
  const save = async () => {
    try {
      if (mode === 'task') {
        await call(
          client.POST('/api/v1/objects/{object}', {
            params: { path: { object: 'tasks' } },
            body: {
              title: subject,
              linkedObject: object.key,
              linkedRecord: id,
              ...(due ? { dueAt: `${due}T09:00:00.000Z` } : {}),
            },
          }),
        );
      } else {
        await call(
          client.POST('/api/v1/objects/{object}', {
            params: { path: { object: 'activities' } },
            body: {
              type: mode === 'call' ? 'call' : 'note',
              subject: subject || (mode === 'call' ? t('record.logCall') : t('record.addNote')),
              body: body || null,
              occurredAt: new Date().toISOString(),
              ...(mode === 'call'
                ? { direction, durationSeconds: minutes === '' ? null : Number(minutes) * 60 }
                : {}),
              ...(link ? { [link]: [id] } : {}),
            },
          }),
        );
      }
      close();
      await qc.invalidateQueries({ queryKey: ['timeline', object.key, id] });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <Group gap="xs">
        {link && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPhone size={14} />}
            onClick={() => setMode('call')}
          >
            {t('record.logCall')}
          </Button>
        )}
        {link && (
          <Button size="xs" variant="light" onClick={() => setMode('note')}>
            {t('record.addNote')}
          </Button>
        )}
        <Button size="xs" variant="light" onClick={() => setMode('task')}>
          {t('record.createTask')}
        </Button>
      </Group>
      <Modal
        opened={mode !== null}
        onClose={close}
        title={
          mode === 'call'
            ? t('record.logCall')
            : mode === 'note'
              ? t('record.addNote')
              : t('record.createTask')
        }
      >
        <Stack>
          <TextInput
            label={mode === 'task' ? t('record.title') : t('record.subject')}
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            required={mode === 'task'}
            data-autofocus
          />
          {mode !== 'task' && (
            <Textarea
              label={t('record.body')}
              value={body}
              onChange={(e) => setBody(e.currentTarget.value)}
              autosize
              minRows={3}
            />
          )}
          {mode === 'call' && (
            <Group grow>
              <NumberInput label={t('record.duration')} value={minutes} onChange={setMinutes} min={0} />
              <Select
                label={t('record.direction')}
                value={direction}
                onChange={setDirection}
                data={[
                  { value: 'inbound', label: '↙' },
                  { value: 'outbound', label: '↗' },
                ]}
              />
            </Group>
          )}
          {mode === 'task' && <DateInput label={t('record.due')} value={due} onChange={setDue} />}
          <ErrorText error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              {t('record.cancel')}
            </Button>
            <Button onClick={save}>{t('record.save')}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

export default function RecordPage() {
  const { object: objectKey, id } = useParams({ from: '/app/o/$object/$id' });
  const object = useObject(objectKey);
  const objects = useObjects().data ?? [];
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
  const flags = Array.isArray(r.flags) ? (r.flags as string[]) : [];
  const flagField = object.fields.find((f) => f.key === 'flags');
  // Shown as its field shows it: a deal's stage by name, an activity's type in the user's language.
  const subtitleField = object.fields.find((f) => f.key === object.subtitleField);
  const subtitle = subtitleField ? r[subtitleField.key] : null;
  // Other objects with a relation to this one, for the related lists.
  const related = objects.flatMap((o) =>
    o.fields
      .filter((f) => f.type === 'relation' && f.relation?.object === objectKey && !f.relation.many)
      .map((f) => ({ object: o.key, field: f.key, title: label(o.labels.plural, locale) })),
  );
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
            <Group gap="xs" mt="xs" data-testid="record-flags">
              {flags.map((flag) => (
                <Badge
                  key={flag}
                  size="lg"
                  color={FLAG_COLORS[flag] ?? 'gray'}
                  leftSection={FLAG_ICONS[flag]}
                  variant="filled"
                  autoContrast
                >
                  {label(flagField?.options?.find((o) => o.value === flag)?.labels, locale) || flag}
                </Badge>
              ))}
            </Group>
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
                  await qc.invalidateQueries({ queryKey: ['records', objectKey] });
                  await navigate({ to: '/o/$object', params: { object: objectKey } });
                }}
              >
                {t('record.delete')}
              </Button>
            </Group>
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
                    <FieldValue field={f} value={r[f.key]} />
                  </Grid.Col>
                ))}
              </Grid>
            </Card>
            {related.map((rel) => (
              <RelatedList
                key={`${rel.object}.${rel.field}`}
                object={rel.object}
                field={rel.field}
                id={id}
                title={rel.title}
              />
            ))}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder padding="md">
            <Stack>
              <Text fw={600} size="sm">
                {t('record.timeline')}
              </Text>
              <QuickActions object={object} id={id} />
              <TimelineView object={object} id={id} />
            </Stack>
          </Card>
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
            await qc.invalidateQueries({ queryKey: ['record', objectKey, id] });
            await qc.invalidateQueries({ queryKey: ['timeline', objectKey, id] });
          }}
        />
      </Modal>
    </Stack>
  );
}
