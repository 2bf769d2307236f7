// What the workflow tests share: publishing a workflow and turning it on through the API, and running every queued
// step as the worker's jobs would (without a worker, so a test decides when steps run).
import { type Database, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { expect } from 'vitest';
import type { apiCaller } from '../../../../test/harness.ts';
import { runWorkflowStep } from './run-step.ts';
import { HELD } from './workflows.repository.ts';

type Caller = ReturnType<typeof apiCaller>;

/** Creates a workflow, publishes its draft and turns it on (as `as`, the caller's default when absent). */
export async function publishWorkflow(call: Caller, body: unknown, as?: string): Promise<string> {
  const created = await call('POST', '/workflows', body, as);
  expect(created.statusCode, created.body).toBe(201);
  const { id } = created.json() as { id: string };
  const published = await call('POST', `/workflows/${id}/publish`, undefined, as);
  expect(published.statusCode, published.body).toBe(200);
  expect((await call('PATCH', `/workflows/${id}`, { enabled: true }, as)).statusCode).toBe(200);
  return id;
}

/**
 * Runs the steps of every queued or running run of the workspace (and, once, of waiting ones when `waiting`) until
 * none is left, leaving runs held behind an earlier one where they are.
 */
export async function drainRuns(
  db: Database,
  workspaceId: string,
  options: Parameters<typeof runWorkflowStep>[2] = { allowPrivate: false },
  waiting = false,
): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const statuses = waiting ? ['queued', 'running', 'waiting'] : ['queued', 'running'];
    const { rows } = await withWorkspace(db, workspaceId, (trx) =>
      sql<{ id: string }>`select id from workflow_runs where workspace_id = ${workspaceId}
        and status = any(${statuses}::text[]) and reason is distinct from ${HELD}`.execute(trx),
    );
    if (rows.length === 0) return;
    for (const r of rows) await runWorkflowStep(db, { workspaceId, runId: r.id }, options);
    waiting = false;
  }
}
