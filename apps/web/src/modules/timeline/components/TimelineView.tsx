import { Button, Stack, Text, Timeline } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Suspense } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import type { Locale } from '../../../i18n/index.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { webModules } from '../../index.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';
import { timelineEntryViewFor } from '../../web-module.ts';
import { timelineKeys } from '../utils/timeline-keys.ts';

type Entry = components['schemas']['TimelineEntry'];

/** A record's history, newest first, a page at a time: its changes, activities and tasks. */
export function TimelineView({ object, id }: { object: ObjectDef; id: string }) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const locale = i18n.language as Locale;
  const query = useInfiniteQuery({
    queryKey: timelineKeys.record(object.key, id),
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
            // No person or key behind a write: a workflow acting as a service role is named by its cause.
            const cause = e.cause as { kind?: string; name?: string | null } | null | undefined;
            const actor =
              (e.actor as { name: string | null }).name ??
              (cause?.kind === 'workflow' && cause.name
                ? t('record.workflowActor', { name: cause.name })
                : t(`source.${String(e.source)}`));
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
          else if (e.kind === 'task') text = `✓ ${String(e.title)}`;
          // A kind another module adds is shown by that module's view (the workflows module's runs), if any.
          const View = timelineEntryViewFor(webModules, e.kind)?.component;
          if (!View && !text) return null;
          return (
            <Timeline.Item
              key={`${e.kind}:${e.id}`}
              title={
                View ? (
                  <Suspense fallback={null}>
                    <View entry={e} />
                  </Suspense>
                ) : (
                  <Text size="sm">{text}</Text>
                )
              }
            >
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
