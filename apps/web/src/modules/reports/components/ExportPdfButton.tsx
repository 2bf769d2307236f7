import { Button, Text } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';

const POLL_MS = 1000;
/** How long the button waits for the server's browser before saying so (the export goes on and can be retried). */
const GIVE_UP_MS = 120_000;

interface ExportState {
  id: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  error: string | null;
  download: string | null;
}

/** Starts a PDF export of a saved report or of a dashboard, and reads how it is doing. */
function exportCalls(target: { reportId: string } | { dashboardId: string }) {
  if ('reportId' in target) {
    const id = target.reportId;
    return {
      start: (): Promise<ExportState> =>
        call(
          client.POST('/api/v1/reports/{id}/exports', { params: { path: { id } }, body: { format: 'pdf' } }),
        ),
      status: (exportId: string): Promise<ExportState> =>
        call(client.GET('/api/v1/reports/{id}/exports/{exportId}', { params: { path: { id, exportId } } })),
    };
  }
  const id = target.dashboardId;
  return {
    start: (): Promise<ExportState> =>
      call(
        client.POST('/api/v1/dashboards/{id}/exports', { params: { path: { id } }, body: { format: 'pdf' } }),
      ),
    status: (exportId: string): Promise<ExportState> =>
      call(client.GET('/api/v1/dashboards/{id}/exports/{exportId}', { params: { path: { id, exportId } } })),
  };
}

/**
 * "Export PDF": asks the server to render the report's (or the dashboard's) print view as the reader (a job; one PDF
 * at a time), waits for it, then downloads the file.
 */
export function ExportPdfButton(target: { reportId: string } | { dashboardId: string }) {
  const { t } = useTranslation();
  const calls = exportCalls(target);
  const exportPdf = useMutation({
    mutationFn: async () => {
      const started = await calls.start();
      const until = Date.now() + GIVE_UP_MS;
      let current = started;
      while (current.status === 'queued' || current.status === 'running') {
        if (Date.now() > until) throw new Error(t('reports.pdf.slow'));
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        current = await calls.status(started.id);
      }
      if (current.status === 'failed' || !current.download)
        throw new Error(current.error ?? t('reports.pdf.failed'));
      const link = document.createElement('a');
      link.href = current.download;
      link.download = '';
      document.body.append(link);
      link.click();
      link.remove();
      return current;
    },
  });
  return (
    <>
      <Button variant="default" onClick={() => exportPdf.mutate()} loading={exportPdf.isPending}>
        {t('reports.pdf.export')}
      </Button>
      {exportPdf.isPending && (
        <Text size="sm" c="dimmed" role="status">
          {t('reports.pdf.working')}
        </Text>
      )}
      {exportPdf.error && (
        <Text size="sm" c="red.8" role="alert">
          {exportPdf.error.message || t('reports.pdf.failed')}
        </Text>
      )}
    </>
  );
}
