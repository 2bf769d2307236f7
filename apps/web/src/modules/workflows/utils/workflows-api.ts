import { call, client } from '../../../api/client.ts';
import type { RunStatus, WorkflowDefinition, WorkflowSettings } from './workflow-types.ts';

// Every status a run can have, for the runs list's filter; a record over the generated type, so a status the
// server adds fails to compile here until it is listed.
const STATUSES: Record<RunStatus, true> = {
  queued: true,
  running: true,
  waiting: true,
  succeeded: true,
  failed: true,
  cancelled: true,
  skipped: true,
};
export const RUN_STATUSES = Object.keys(STATUSES) as RunStatus[];

const byId = (id: string) => ({ params: { path: { id } } });

/** The workflow routes through the typed client: each answer, or an ApiError with the server's problem. */
export const workflowsApi = {
  list: () => call(client.GET('/api/v1/workflows')),
  get: (id: string) => call(client.GET('/api/v1/workflows/{id}', byId(id))),
  create: (body: { name: string; description?: string }) => call(client.POST('/api/v1/workflows', { body })),
  update: (
    id: string,
    body: {
      name?: string;
      description?: string | null;
      draft?: WorkflowDefinition;
      settings?: WorkflowSettings;
      enabled?: boolean;
    },
  ) => call(client.PATCH('/api/v1/workflows/{id}', { ...byId(id), body })),
  remove: (id: string) => call(client.DELETE('/api/v1/workflows/{id}', byId(id))),
  publish: (id: string) => call(client.POST('/api/v1/workflows/{id}/publish', byId(id))),
  /** The module events a trigger may name (a web form submitted, an email received). */
  events: () => call(client.GET('/api/v1/workflows/events')),
  hookSecret: (id: string) => call(client.POST('/api/v1/workflows/{id}/hook-secret', byId(id))),
  versions: (id: string) => call(client.GET('/api/v1/workflows/{id}/versions', byId(id))),
  restore: (id: string, version: number) =>
    call(
      client.POST('/api/v1/workflows/{id}/versions/{version}/restore', {
        params: { path: { id, version } },
      }),
    ),
  testRun: (id: string, recordId: string | undefined) =>
    call(client.POST('/api/v1/workflows/{id}/test-run', { ...byId(id), body: recordId ? { recordId } : {} })),
  runOn: (id: string, recordIds: string[]) =>
    call(client.POST('/api/v1/workflows/{id}/run', { ...byId(id), body: { recordIds } })),
  runs: (filter: {
    workflowId: string | null;
    status: RunStatus | null;
    recordId?: string | null | undefined;
    /** Instants (ISO 8601): runs created from `from`, and before `to`. */
    from?: string | null | undefined;
    to?: string | null | undefined;
    cursor?: string | undefined;
    limit?: number;
  }) =>
    call(
      client.GET('/api/v1/workflow-runs', {
        params: {
          query: {
            limit: filter.limit ?? 50,
            ...(filter.workflowId ? { workflowId: filter.workflowId } : {}),
            ...(filter.status ? { status: filter.status } : {}),
            ...(filter.recordId ? { recordId: filter.recordId } : {}),
            ...(filter.from ? { from: filter.from } : {}),
            ...(filter.to ? { to: filter.to } : {}),
            ...(filter.cursor ? { cursor: filter.cursor } : {}),
          },
        },
      }),
    ),
  run: (id: string) => call(client.GET('/api/v1/workflow-runs/{id}', byId(id))),
  retry: (id: string) => call(client.POST('/api/v1/workflow-runs/{id}/retry', byId(id))),
  cancel: (id: string) => call(client.POST('/api/v1/workflow-runs/{id}/cancel', byId(id))),
};

/** Whether text from the address bar is a run status (the runs list's filter), narrowed, never cast. */
export function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && Object.hasOwn(STATUSES, value);
}
