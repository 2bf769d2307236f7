import { Stack, Text, Title } from '@mantine/core';
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { applyLocale, isLocale, RTL } from '../../../i18n/index.ts';
import { asCalendar, asDigits, formatDateTime, formatNumber } from '../../../lib/format.ts';
import type { Me } from '../../auth/hooks/useMe.ts';
import { authKeys } from '../../auth/utils/auth-keys.ts';
import type { ObjectDef } from '../../metadata/utils/metadata.ts';
import { workspaceKeys } from '../../workspaces/utils/workspace-keys.ts';
import { filterInWords } from '../utils/print-words.ts';
import { isDateBucket, type ReportDefinition } from '../utils/report-types.ts';
import { ReportResultView } from './ReportResultView.tsx';

type Bundle = components['schemas']['ReportPrintBundle'];

/** Groups drawn on paper at most; the rest is in the CSV and XLSX (a report answers up to 5,000). */
export const MAX_PRINT_ROWS = 400;

/** The print token the server's browser brings in the address's fragment (never sent to a server), read once. */
function takePrintToken(): string | null {
  const match = /(?:^#|&)print-token=([^&]+)/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]!) : null;
}

/**
 * What the print view needs, with the token (spent once: the server's browser rendering a PDF as its viewer) or,
 * without one, with the reader's own session (a person opening the print view to print it themselves). The caches
 * the report's view reads (the reader's preferences, member names) are filled from the token's answer, so the page
 * asks nothing else of the server.
 */
async function loadBundle(qc: QueryClient, id: string, token: string | null): Promise<Bundle> {
  if (token) {
    const bundle = await call(client.POST('/api/v1/reports/print-view', { body: { token } }));
    const me = {
      user: { ...bundle.viewer, id: '', email: '' },
      permissions: { actions: [] },
    } as unknown as Me;
    qc.setQueryData(authKeys.me, me);
    qc.setQueryData(workspaceKeys.members, bundle.members);
    // Team names come with the answer (`labels`); the page does not list teams, so asks nothing more.
    qc.setQueryDefaults(workspaceKeys.teams, { staleTime: Number.POSITIVE_INFINITY });
    qc.setQueryData(workspaceKeys.teams, []);
    return bundle;
  }
  const [me, run, objects] = await Promise.all([
    call(client.GET('/api/v1/me')),
    call(client.POST('/api/v1/reports/{id}/run', { params: { path: { id } }, body: {} })),
    call(client.GET('/api/v1/metadata/objects')),
  ]);
  qc.setQueryData(authKeys.me, me);
  const user = me.user;
  return {
    report: run.report,
    result: run.result,
    viewer: {
      name: user?.name ?? '',
      locale: user?.locale ?? 'en',
      calendar: user?.calendar ?? 'gregory',
      digits: user?.digits ?? 'latn',
      timeZone: user?.timeZone ?? 'UTC',
    },
    object: (objects.data.find((o) => o.key === run.result.object) ?? null) as Bundle['object'],
    members: [],
    generatedAt: new Date().toISOString(),
  };
}

/**
 * A saved report on paper: its name, description, filter in words, when and for whom it was run, its chart and its
 * table, without the app's frame. Sets `data-ready="true"` on its root once drawn in the reader's language and
 * fonts (the server's browser prints then), or `data-ready="error"` with the reason.
 */
export default function PrintReportPage() {
  const { id } = useParams({ from: '/print/reports/$id' });
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [token] = useState(takePrintToken);
  const [ready, setReady] = useState(false);
  useEffect(() => {
    // The token leaves the address bar at once: a reload must not try to spend it again.
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  const bundle = useQuery({
    queryKey: ['reports', 'print', id, token],
    queryFn: async () => {
      const b = await loadBundle(qc, id, token);
      if (isLocale(b.viewer.locale)) {
        await applyLocale(b.viewer.locale);
      }
      return b;
    },
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
  const data = bundle.data;
  const prefs = useMemo(
    () =>
      data
        ? {
            locale: isLocale(data.viewer.locale) ? data.viewer.locale : ('en' as const),
            calendar: asCalendar(data.viewer.calendar),
            digits: asDigits(data.viewer.digits),
            timeZone: data.viewer.timeZone,
          }
        : null,
    [data],
  );
  const object = (data?.object ?? undefined) as ObjectDef | undefined;
  // Paper gets the first groups (or periods); rows of a period left out are left out with it.
  const shown = useMemo(() => {
    if (!data) return null;
    const dateAt = data.result.dimensions.findIndex(isDateBucket);
    const buckets = data.result.buckets.slice(0, MAX_PRINT_ROWS);
    const kept = new Set(buckets.map((b) => b.key));
    const rows =
      dateAt >= 0
        ? data.result.rows.filter((r) => r.keys[dateAt] === null || kept.has(r.keys[dateAt]!))
        : data.result.rows;
    return { ...data.result, buckets, rows: rows.slice(0, MAX_PRINT_ROWS) };
  }, [data]);
  useEffect(() => {
    if (!data) return;
    // The chart draws in its own effect (no animation); two frames and the fonts later the page is as it prints.
    let cancelled = false;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        void document.fonts.ready.then(() => {
          if (!cancelled) setReady(true);
        });
      }),
    );
    return () => {
      cancelled = true;
    };
  }, [data]);
  if (bundle.error)
    return (
      <div data-ready="error" data-error={bundle.error instanceof Error ? bundle.error.message : 'error'}>
        <Text c="red">{bundle.error instanceof Error ? bundle.error.message : t('error.generic')}</Text>
      </div>
    );
  if (!data || !prefs || !shown) return <div data-ready="false" />;
  const definition = data.report.definition as ReportDefinition;
  const filter = filterInWords(definition.filter, object, t, prefs);
  const rtl = RTL.has(prefs.locale);
  return (
    <Stack
      p="md"
      gap="sm"
      dir={rtl ? 'rtl' : 'ltr'}
      lang={prefs.locale}
      data-ready={ready ? 'true' : 'false'}
      data-testid="report-print"
      className="rabita-print"
      style={{ fontFamily: 'Vazirmatn, "Noto Sans Arabic", system-ui, sans-serif' }}
    >
      <style>{`@page { size: A4; margin: 12mm } @media print { .rabita-print { padding: 0 } }
        .rabita-print table { page-break-inside: auto } .rabita-print tr { page-break-inside: avoid }`}</style>
      <Title order={1} size="h2">
        {data.report.name}
      </Title>
      {data.report.description && <Text>{data.report.description}</Text>}
      <Text size="sm">{filter ? t('reports.print.filter', { filter }) : t('reports.print.noFilter')}</Text>
      <Text size="xs" c="dimmed">
        {t('reports.print.runAs', {
          name: `\u2068${data.viewer.name}\u2069`,
          time: formatDateTime(data.generatedAt, prefs),
        })}
      </Text>
      {Math.max(data.result.rows.length, data.result.buckets.length) > MAX_PRINT_ROWS && (
        <Text size="sm" c="dimmed">
          {t('reports.print.moreRows', {
            shown: formatNumber(MAX_PRINT_ROWS, prefs),
            total: formatNumber(Math.max(data.result.rows.length, data.result.buckets.length), prefs),
          })}
        </Text>
      )}
      <div data-print-chart>
        <ReportResultView definition={definition} result={shown} object={object} />
      </div>
    </Stack>
  );
}
