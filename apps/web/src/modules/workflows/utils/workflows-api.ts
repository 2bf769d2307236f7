import { ApiError } from '../../../api/client.ts';
import type { WorkflowDefinition, WorkflowSettings } from './definition-types.ts';

// The workflow routes' answers. Until the generated API types (schema.gen.ts) carry these routes, this file calls
// them with fetch and checks the status; then it becomes calls through the typed client and these types go.

export type RunStatus = 'queued' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
export const RUN_STATUSES: readonly RunStatus[] = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
];

export interface Workflow {
  id: string;
  name: string;
  description: string | null;
  enabled: boolean;
  draft: WorkflowDefinition;
  settings: WorkflowSettings;
  ownerUserId: string | null;
  /** The published version new runs start on (null: never published). */
  currentVersion: number | null;
  createdAt: string;
  updatedAt: string;
}
export interface WorkflowVersion {
  version: number;
  definition: WorkflowDefinition;
  settings: WorkflowSettings;
  publishedBy: string | null;
  publishedAt: string;
}
export interface WorkflowRun {
  id: string;
  workflowId: string;
  version: number;
  status: RunStatus;
  reason: string | null;
  depth: number;
  triggerObject: string | null;
  triggerRecordId: string | null;
  trigger: Record<string, unknown>;
  startedBy: string | null;
  currentStep: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
}
export interface StepRun {
  id: string;
  sequence: number;
  stepId: string;
  type: string;
  status: string;
  attempt: number;
  input?: unknown;
  output?: unknown;
  error: string | null;
  idempotencyKey: string | null;
  startedAt: string;
  finishedAt: string | null;
}
export type WorkflowRunDetail = WorkflowRun & { steps: StepRun[] };
/** What a test run says of one step: what went in and what it would do (nothing is written or sent). */
export interface TestStep {
  stepId: string;
  type: string;
  input?: unknown;
  output?: unknown;
  error: string | null;
}
interface Page<T> {
  data: T[];
  nextCursor?: string | null;
}

async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new ApiError(response.status, (parsed ?? {}) as object);
  return parsed as T;
}

const q = (params: Record<string, string | null | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) s.set(k, v);
  const text = s.toString();
  return text ? `?${text}` : '';
};
const id = (s: string) => encodeURIComponent(s);

/** A workflow that starts on nothing in particular yet: a new person, no steps. */
export const EMPTY_DEFINITION: WorkflowDefinition = {
  trigger: { type: 'record', object: 'people', events: ['created'] },
  start: null,
  steps: [],
};

export const workflowsApi = {
  list: () => request<Page<Workflow>>('GET', '/workflows'),
  get: (workflowId: string) => request<Workflow>('GET', `/workflows/${id(workflowId)}`),
  create: (body: { name: string; description?: string }) =>
    request<Workflow>('POST', '/workflows', { ...body, draft: EMPTY_DEFINITION }),
  update: (
    workflowId: string,
    patch: Partial<Pick<Workflow, 'name' | 'description' | 'draft' | 'settings' | 'enabled'>>,
  ) => request<Workflow>('PATCH', `/workflows/${id(workflowId)}`, patch),
  remove: (workflowId: string) => request<void>('DELETE', `/workflows/${id(workflowId)}`),
  publish: (workflowId: string) => request<Workflow>('POST', `/workflows/${id(workflowId)}/publish`, {}),
  versions: (workflowId: string) =>
    request<Page<WorkflowVersion>>('GET', `/workflows/${id(workflowId)}/versions`),
  restore: (workflowId: string, version: number) =>
    request<Workflow>('POST', `/workflows/${id(workflowId)}/versions/${version}/restore`, {}),
  testRun: (workflowId: string, recordId: string | undefined) =>
    request<{ steps: TestStep[] }>(
      'POST',
      `/workflows/${id(workflowId)}/test-run`,
      recordId ? { recordId } : {},
    ),
  runs: (filter: {
    workflowId: string | null;
    status: string | null;
    cursor?: string | undefined;
    limit?: number;
  }) =>
    request<Page<WorkflowRun>>(
      'GET',
      `/workflow-runs${q({
        workflowId: filter.workflowId,
        status: filter.status,
        cursor: filter.cursor,
        limit: filter.limit ? String(filter.limit) : undefined,
      })}`,
    ),
  run: (runId: string) => request<WorkflowRunDetail>('GET', `/workflow-runs/${id(runId)}`),
  retry: (runId: string) => request<WorkflowRun>('POST', `/workflow-runs/${id(runId)}/retry`, {}),
  cancel: (runId: string) => request<WorkflowRun>('POST', `/workflow-runs/${id(runId)}/cancel`, {}),
};
