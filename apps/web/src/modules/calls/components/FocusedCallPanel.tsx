import { Card, Stack, Text } from '@mantine/core';
import { type InfiniteData, type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { useCallback, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { timelineKeys } from '../../timeline/utils/timeline-keys.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { type CallRecordObject, callCardApi, callCardKeys } from '../utils/call-card-api.ts';
import WrapUpTimelineEntry from './WrapUpTimelineEntry.tsx';

type TimelinePages = InfiniteData<{ data: { kind: string; id: string }[] }>;

/** Whether the record's timeline, as loaded so far, holds the call: not loaded yet, there, or not (yet) there. */
function callOnTimeline(qc: QueryClient, object: string, id: string, callId: string) {
  const pages = qc.getQueryData<TimelinePages>(timelineKeys.record(object, id))?.pages;
  if (!pages) return 'loading';
  return pages.some((p) => p.data.some((e) => e.kind === 'call' && e.id === callId)) ? 'there' : 'missing';
}

/**
 * The record page focused on a call (`?call=<id>`) whose entry is not on the timeline's loaded pages (a customer with
 * many newer entries): the call's entry alone, read with `GET /calls/{id}/timeline-entry`, highlighted with its
 * wrap-up form as on the timeline, just above the timeline. The timeline is not read down to it; once the reader
 * loads the page holding it, the timeline shows it and this panel steps aside.
 */
export default function FocusedCallPanel({ object, id }: RecordPanelProps) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  // The record route's search keeps `call` only when it is a UUID.
  const callId = useSearch({ strict: false, select: (s) => s.call });
  const subscribe = useCallback((onChange: () => void) => qc.getQueryCache().subscribe(onChange), [qc]);
  const onTimeline = useSyncExternalStore(subscribe, () =>
    callId ? callOnTimeline(qc, object.key, id, callId) : 'there',
  );
  const missing = callId !== undefined && onTimeline === 'missing';
  const entry = useQuery({
    queryKey: callCardKeys.timelineEntry(object.key, id, callId ?? ''),
    queryFn: () => callCardApi.timelineEntry(callId!, object.key as CallRecordObject, id),
    enabled: missing,
    retry: false,
  });
  if (!missing || !entry.data) return null;
  return (
    <Card withBorder padding="md" data-testid="focused-call-panel">
      <Stack gap="xs">
        <Text fw={600} size="sm">
          {t('callFocus.fromTimeline')}
        </Text>
        <WrapUpTimelineEntry entry={entry.data} />
      </Stack>
    </Card>
  );
}
