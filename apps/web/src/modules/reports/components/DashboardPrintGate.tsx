import { Text } from '@mantine/core';
import { type QueryClient, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { applyLocale, isLocale } from '../../../i18n/index.ts';
import type { Me } from '../../auth/hooks/useMe.ts';
import { authKeys } from '../../auth/utils/auth-keys.ts';
import { metadataKeys } from '../../metadata/utils/metadata-keys.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import { workspaceKeys } from '../../workspaces/utils/workspace-keys.ts';
import { type Dashboard, dashboardKeys, type WidgetRun } from '../utils/dashboard-types.ts';
import { widgetContent } from './DashboardWidget.tsx';

/** The print token the server's browser brings in the address's fragment (never sent to a server), read once. */
function takePrintToken(): string | null {
  const match = /(?:^#|&)print-token=([^&]+)/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]!) : null;
}

/**
 * Spends the token at `POST /dashboards/print-view` and fills the caches the dashboard's screen reads — the reader's
 * preferences, the objects, the member names, the dashboard, every widget's run and the titles of the records its
 * lists link to — kept as they are (never
 * refetched: the page holds no session), so the screen draws exactly what the token's person may see.
 */
async function loadWithToken(qc: QueryClient, id: string, token: string): Promise<true> {
  const bundle = await call(client.POST('/api/v1/dashboards/print-view', { body: { token } }));
  // The viewer's dictionary is fetched before the language switches (no English in between).
  if (isLocale(bundle.viewer.locale)) await applyLocale(bundle.viewer.locale);
  const forever = { staleTime: Number.POSITIVE_INFINITY, gcTime: Number.POSITIVE_INFINITY };
  for (const key of [
    authKeys.me,
    workspaceKeys.members,
    workspaceKeys.teams,
    metadataKeys.objects,
    dashboardKeys.all,
  ])
    qc.setQueryDefaults(key, forever);
  // Team names come with each run's answer (`labels`); the page does not list teams.
  qc.setQueryData(workspaceKeys.teams, []);
  qc.setQueryData(authKeys.me, {
    user: { ...bundle.viewer, id: '', email: '' },
    permissions: { actions: [] },
  } as unknown as Me);
  qc.setQueryData(workspaceKeys.members, bundle.members);
  qc.setQueryData(metadataKeys.objects, bundle.objects);
  // The records list widgets link to, named without a request each.
  for (const { object, id, record } of bundle.linked) qc.setQueryData(recordKeys.detail(object, id), record);
  const dashboard = bundle.dashboard as unknown as Dashboard;
  qc.setQueryData(dashboardKeys.one(id), dashboard);
  for (const run of bundle.runs as unknown as WidgetRun[]) {
    const widget = dashboard.layout.find((w) => w.id === run.widgetId);
    if (widget)
      qc.setQueryData(dashboardKeys.run(dashboard.id, widgetContent(widget), dashboard.filters), run);
  }
  return true;
}

/**
 * The dashboard's print view as the server's browser opens it: with a print token in the address's fragment, the
 * token is spent once and the page is drawn from its answer alone (no session, no other request); without one,
 * `children` read with the reader's own session, as before. Until the answer has come the page is not ready
 * (`data-ready="false"`); a refused token makes it `data-ready="error"` with the reason.
 */
export function DashboardPrintGate({ id, children }: { id: string; children: ReactNode }) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const [token] = useState(takePrintToken);
  useEffect(() => {
    // The token leaves the address bar at once: a reload must not try to spend it again.
    if (window.location.hash) window.history.replaceState(null, '', window.location.pathname);
  }, []);
  const loaded = useQuery({
    queryKey: ['reports', 'dashboards', 'print-token', id, token],
    queryFn: () => loadWithToken(qc, id, token!),
    enabled: token !== null,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: Number.POSITIVE_INFINITY,
  });
  if (token === null) return children;
  if (loaded.error) {
    const message = loaded.error instanceof Error ? loaded.error.message : t('error.generic');
    return (
      <div data-ready="error" data-error={message}>
        <Text c="red">{message}</Text>
      </div>
    );
  }
  if (!loaded.data) return <div data-ready="false" />;
  return children;
}
