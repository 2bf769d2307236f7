import type { Tx } from '@rabita/db';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { deleteJob, insertJob } from './jobs.repository.ts';

/** A task name Rabita's worker may run: the `rabita:` prefix, then lower-case letters, digits and `:._-`. */
const TASK_NAME = /^rabita:[a-z0-9][a-z0-9:._-]{0,62}$/;
export const MAX_JOB_KEY_LENGTH = 200;
export const MAX_JOB_PAYLOAD_BYTES = 16_384;
export const MAX_JOB_ATTEMPTS = 25;

export interface ScheduleJobInput {
  /** The task to run, e.g. `rabita:sla-deadline`. */
  task: string;
  /**
   * Names the job within the workspace (across tasks), so it can be replaced or cancelled later; modules prefix
   * theirs (`sla:<ticket id>`). Scheduling a key again replaces that job. Without a key the job cannot be found.
   */
  key?: string | undefined;
  /** When to run it (default: now). */
  runAt?: Date | undefined;
  /** A JSON object; its `workspaceId` is always set to the transaction's workspace. */
  payload: Record<string, unknown>;
  /** How many tries before it is given up (1 to 25; default 25, graphile-worker's). */
  maxAttempts?: number | undefined;
}

/**
 * Queues a job of the transaction's workspace to run at `runAt`, replacing the workspace's job of the same key.
 * It is queued only if the transaction commits.
 */
export async function scheduleJob(trx: Tx, input: ScheduleJobInput): Promise<void> {
  const problems: FieldProblem[] = [];
  checkTask(input.task, problems);
  if (input.key !== undefined) checkKey(input.key, problems);
  if (input.runAt !== undefined && !validDate(input.runAt)) {
    problems.push({ field: 'runAt', message: 'must be a valid date from the year 1970 to 9999' });
  }
  const maxAttempts = input.maxAttempts ?? MAX_JOB_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > MAX_JOB_ATTEMPTS) {
    problems.push({ field: 'maxAttempts', message: `must be a whole number from 1 to ${MAX_JOB_ATTEMPTS}` });
  }
  const payloadJson = checkPayload(input.payload, problems);
  if (problems.length > 0 || payloadJson === undefined) {
    throw new AppError('validation_failed', 'The job cannot be scheduled.', { errors: problems });
  }
  await insertJob(trx, {
    task: input.task,
    key: input.key ?? null,
    runAt: input.runAt ?? null,
    payloadJson,
    maxAttempts,
  });
}

/**
 * Cancels the transaction's workspace's job of this key (only if it is of `task`, when given); true when there
 * was one. A run already under way finishes but is not retried. Takes effect only if the transaction commits.
 */
export async function cancelJob(
  trx: Tx,
  input: { task?: string | undefined; key: string },
): Promise<boolean> {
  const problems: FieldProblem[] = [];
  if (input.task !== undefined) checkTask(input.task, problems);
  checkKey(input.key, problems);
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'The job cannot be cancelled.', { errors: problems });
  }
  return deleteJob(trx, input.task ?? null, input.key);
}

function checkTask(task: unknown, problems: FieldProblem[]) {
  if (typeof task !== 'string' || !TASK_NAME.test(task)) {
    problems.push({
      field: 'task',
      message: 'must be a rabita: task name (lower-case letters, digits and :._-, at most 70 characters)',
    });
  }
}

function checkKey(key: unknown, problems: FieldProblem[]) {
  if (typeof key !== 'string' || key.length < 1 || key.length > MAX_JOB_KEY_LENGTH || !textIsStorable(key)) {
    problems.push({
      field: 'key',
      message: `must be 1 to ${MAX_JOB_KEY_LENGTH} characters, without NUL or lone surrogates`,
    });
  }
}

/** The payload as JSON text, or undefined (with a problem) when it is not a storable object of a sane size. */
function checkPayload(payload: unknown, problems: FieldProblem[]): string | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    problems.push({ field: 'payload', message: 'must be a JSON object' });
    return undefined;
  }
  let text: string;
  try {
    text = JSON.stringify(payload);
  } catch {
    problems.push({ field: 'payload', message: 'must be serialisable as JSON' });
    return undefined;
  }
  if (Buffer.byteLength(text, 'utf8') > MAX_JOB_PAYLOAD_BYTES) {
    problems.push({ field: 'payload', message: `must be at most ${MAX_JOB_PAYLOAD_BYTES} bytes as JSON` });
    return undefined;
  }
  if (!jsonIsStorable(JSON.parse(text))) {
    // PostgreSQL's jsonb refuses \u0000 and lone surrogates; say so here rather than fail in the database.
    problems.push({ field: 'payload', message: 'must not contain NUL characters or lone surrogates' });
    return undefined;
  }
  return text;
}

function jsonIsStorable(value: unknown): boolean {
  if (typeof value === 'string') return textIsStorable(value);
  if (Array.isArray(value)) return value.every(jsonIsStorable);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).every(([k, v]) => textIsStorable(k) && jsonIsStorable(v));
  }
  return true;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function textIsStorable(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

function validDate(date: unknown): boolean {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return false;
  const year = date.getUTCFullYear();
  return year >= 1970 && year <= 9999;
}
