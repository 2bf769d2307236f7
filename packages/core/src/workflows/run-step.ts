import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { maySendFrom, queueWorkspaceSend } from '../email/outbox.service.ts';
import { renderTemplateIn } from '../email/templates.service.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { notifyMember } from '../notifications/notifications.service.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { listRecordsIn } from '../records/list-records.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';
import { updateRecordIn } from '../records/update-record.ts';
import { pickAssignee } from './assign-step.ts';
import {
  type RelatedRecords,
  type Step,
  settings as settingsSchema,
  type WorkflowDefinition,
  type WorkflowSettings,
} from './definition.ts';
import {
  type EmailMessage,
  isEmailAddress,
  messageIdFor,
  type SmtpSettings,
  sendWorkflowEmail,
} from './email-send.ts';
import {
  type ExpressionScope,
  evaluateExpression,
  expressionHolds,
  expressionProblem,
  renderTemplate,
  resolveValue,
} from './expressions.ts';
import { failpoint } from './failpoints.ts';
import { actingPrincipal } from './run-as.ts';
import { queueStep, startCalledRun } from './runs.ts';
import { sendWorkflowRequest } from './webhook-send.ts';
import {
  emailsSentSince,
  finishStepRun,
  insertEmailSends,
  insertStepRun,
  lockRecordRuns,
  nextHeldRun,
  type RunRow,
  selectRun,
  selectRunToStep,
  selectStepRuns,
  stepsInLastMinute,
  updateRun,
} from './workflows.repository.ts';

export { queueStep, runJobKey, STEP_TASK } from './runs.ts';

/** A run's reason while its next step is put off by the workspace's throttle. */
export const THROTTLED = 'throttled: the workspace reached its workflow steps for this minute';
const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'skipped']);
const EXTERNAL_TRIES = 5;

/** A step's business failure, thrown out of its transaction so its partial work rolls back. */
class StepFailed extends Error {
  readonly step: Step;
  readonly attempt: number;
  constructor(step: Step, attempt: number, message: string) {
    super(message);
    this.step = step;
    this.attempt = attempt;
  }
}

/** What evaluating a step decided: its input, what it did or would do, and where the run goes next. */
export interface StepOutcome {
  input: unknown;
  output: unknown;
  next: string | null;
  /** For waits: when the run resumes. */
  waitUntil?: Date | undefined;
  /** For webhooks: the request to send (sent after the step's checkpoint commits). */
  send?: { url: string; method: string; body: string } | undefined;
  /** For emails: the message to send (sent after the step's checkpoint commits, with its Message-ID). */
  email?: Omit<EmailMessage, 'messageId'> | undefined;
  stop?: boolean | undefined;
}

/** Where a step's evaluation runs: for real (effects committed) or as a test run (nothing written). */
export interface StepEnv {
  trx: Tx;
  principal: Principal;
  workspaceId: string;
  object: string | null;
  recordId: string | null;
  scope: ExpressionScope;
  /** True for a test run: effects are described, not made. */
  dryRun: boolean;
  /** The write cause: the run, its depth and the workflow's name (what a history shows for a service's write). */
  cause: { kind: 'workflow'; runId: string; depth: number; name?: string | undefined };
  /** The operator's mail server; without it a (real) sendEmail step fails with a sentence. */
  smtp?: SmtpSettings | undefined;
  /** The run being carried (absent in a test run): its workflow, its owner and that version's email limit. */
  run?:
    | { workflowId: string; ownerUserId: string | null; emailLimit: WorkflowSettings['emailLimit'] }
    | undefined;
}

/** An email's subject and body from the step's own text (a translation in the recipient's language first). */
function fromStepText(
  env: StepEnv,
  step: Extract<Step, { type: 'sendEmail' }>,
  language: unknown,
  what: string,
  field: string,
): { subject: string; body: string; html?: undefined; language?: string | undefined } {
  const translated =
    typeof language === 'string' && step.translations && Object.hasOwn(step.translations, language)
      ? step.translations[language as 'en' | 'ar' | 'fa']
      : undefined;
  const rendered: Record<'subject' | 'body', string> = { subject: '', body: '' };
  for (const part of ['subject', 'body'] as const) {
    try {
      rendered[part] = renderTemplate((translated ?? step)[part] ?? '', env.scope);
    } catch (error) {
      throw expressionProblem(error, `${field}.${part}`, what);
    }
  }
  return { ...rendered, language: translated ? (language as string) : undefined };
}

/** An email's subject and body from an email template, rendered for the run's record as the run may read it. */
async function fromEmailTemplate(
  env: StepEnv,
  templateId: string,
  record: { object: string; id: string } | undefined,
  language: unknown,
  what: string,
  field: string,
): Promise<{ subject: string; body: string; html: string; language?: string | undefined }> {
  const rendered = await named(what, `${field}.templateId`, () =>
    renderTemplateIn(
      env.trx,
      env.principal,
      templateId,
      record,
      typeof language === 'string' ? language : undefined,
    ),
  );
  return {
    subject: rendered.subject,
    body: rendered.text,
    html: rendered.html,
    language: rendered.language ?? undefined,
  };
}

/**
 * The records related to the run's record that a step goes over (`updateRelated`, a `runWorkflow` loop), read with
 * the record engine's own list as the acting member may read them.
 */
function relatedOf(
  env: StepEnv,
  related: RelatedRecords,
  what: string,
  field: string,
  verb: 'update' | 'read',
) {
  if (!env.object || !env.recordId)
    throw new AppError(
      'validation_failed',
      `${what}: the run has no record whose related records to ${verb}.`,
    );
  const own = { field: related.via, op: 'eq', value: env.recordId };
  return named(what, `${field}.filter`, () =>
    listRecordsIn(env.trx, env.principal, related.object, {
      filter: related.filter ? { and: [own, related.filter] } : own,
      sort: 'id',
      limit: related.limit,
    }),
  );
}

function resolveAll(
  values: Record<string, { value: unknown } | { expr: string }>,
  scope: ExpressionScope,
  field: string,
  what: string,
) {
  const out: Record<string, unknown> = {};
  for (const [key, source] of Object.entries(values)) {
    try {
      out[key] = resolveValue(source, scope);
    } catch (error) {
      throw expressionProblem(error, `${field}.values.${key}`, what);
    }
  }
  return out;
}

/**
 * Evaluates one step and, unless dry, makes its internal effect in the given transaction. Business problems are
 * AppErrors naming the step and the field; anything else is thrown for the job to retry.
 */
export async function evaluateStep(env: StepEnv, step: Step, index: number): Promise<StepOutcome> {
  const what = `Step "${step.id}"${step.name ? ` (${step.name})` : ''}`;
  const field = `steps.${index}`;
  const origin = { source: 'workflow' as const, cause: env.cause };
  switch (step.type) {
    case 'updateRecord': {
      if (!env.object || !env.recordId)
        throw new AppError('validation_failed', `${what}: the run has no record to update.`);
      let object = env.object;
      let id = env.recordId;
      if (step.target !== 'trigger') {
        const linked = env.scope.record[step.target.relation];
        const target = await relationTarget(env, step.target.relation);
        if (typeof linked !== 'string' || !target)
          throw new AppError(
            'validation_failed',
            `${what}: the record has no ${step.target.relation} to update.`,
            {
              errors: [{ field: `${field}.target.relation`, message: 'Is empty.' }],
            },
          );
        object = target;
        id = linked;
      }
      const values = resolveAll(step.values, env.scope, field, what);
      const input = { object, recordId: id, values };
      if (env.dryRun) return { input, output: { wouldUpdate: input }, next: step.next ?? null };
      const view = await named(what, field, () =>
        updateRecordIn(env.trx, env.principal, object, id, values, origin),
      );
      return { input, output: { updated: { object, id: view.id } }, next: step.next ?? null };
    }
    case 'createRecord': {
      const values = resolveAll(step.values, env.scope, field, what);
      const input = { object: step.object, values };
      if (env.dryRun) return { input, output: { wouldCreate: input }, next: step.next ?? null };
      const view = await named(what, field, () =>
        createRecordIn(env.trx, env.principal, step.object, values, origin),
      );
      return { input, output: { created: { object: step.object, id: view.id } }, next: step.next ?? null };
    }
    case 'notify': {
      const users = step.users.map((u, j) => {
        try {
          return resolveValue(u, env.scope);
        } catch (error) {
          throw expressionProblem(error, `${field}.users.${j}`, what);
        }
      });
      let message: string;
      try {
        message = renderTemplate(step.message, env.scope);
      } catch (error) {
        throw expressionProblem(error, `${field}.message`, what);
      }
      const input = { users, message };
      if (env.dryRun || !env.object || !env.recordId)
        return { input, output: { wouldNotify: users }, next: step.next ?? null };
      const notified: string[] = [];
      for (const user of users.flat()) {
        if (typeof user !== 'string') continue;
        const ok = await notifyMember(env.trx.withoutPlugins(), {
          workspaceId: env.workspaceId,
          userId: user,
          kind: 'workflow',
          object: env.object,
          recordId: env.recordId,
          actorUserId: env.principal.userId,
        });
        if (ok) notified.push(user);
      }
      return { input, output: { notified }, next: step.next ?? null };
    }
    case 'sendEmail': {
      const to: string[] = [];
      for (const [j, source] of step.to.entries()) {
        let value: unknown;
        try {
          value = resolveValue(source, env.scope);
        } catch (error) {
          throw expressionProblem(error, `${field}.to.${j}`, what);
        }
        // Text, lists of it, or an emails field's entries (`{ address, primary }`) as the record gives them.
        for (const entry of [value].flat()) {
          const address =
            entry && typeof entry === 'object' && 'address' in entry
              ? (entry as { address: unknown }).address
              : entry;
          if (address === null || address === undefined || address === '') continue;
          const text = typeof address === 'string' ? address.trim() : address;
          if (!isEmailAddress(text))
            throw new AppError('validation_failed', `${what}: recipient ${j + 1} is not an email address.`, {
              errors: [{ field: `${field}.to.${j}`, message: 'Is not an email address.' }],
            });
          if (!to.includes(text)) to.push(text);
        }
      }
      if (to.length === 0)
        throw new AppError('validation_failed', `${what}: the email has no recipient on this record.`, {
          errors: [{ field: `${field}.to`, message: 'Gives no email address.' }],
        });
      // The recipient's language picks a translation, when the step has one in it.
      let language: unknown;
      try {
        language = step.language
          ? resolveValue(step.language, env.scope)
          : env.scope.record.preferredLanguage;
      } catch (error) {
        throw expressionProblem(error, `${field}.language`, what);
      }
      const record = env.object && env.recordId ? { object: env.object, id: env.recordId } : undefined;
      const written = step.templateId
        ? await fromEmailTemplate(
            env,
            step.templateId,
            record,
            step.language ? language : undefined,
            what,
            field,
          )
        : fromStepText(env, step, language, what, field);
      const email = {
        to,
        subject: written.subject.replace(/[\r\n]+/g, ' '),
        body: written.body,
        ...(written.language ? { language: written.language } : {}),
      };
      const via = step.mailboxId ? { mailboxId: step.mailboxId } : {};
      if (env.dryRun)
        return { input: email, output: { wouldEmail: { to, ...via } }, next: step.next ?? null };
      if (!step.mailboxId && !env.smtp)
        throw new AppError(
          'validation_failed',
          `${what}: this server has no mail server set up (RABITA_SMTP_URL), so the email was not sent.`,
          { errors: [{ field: `${field}.to`, message: 'Email sending is not set up on this server.' }] },
        );
      if (env.run) {
        // The per-recipient limit: an address that had its emails from this workflow in the window is left out.
        const { perRecipient, hours } = env.run.emailLimit;
        const since = new Date(Date.now() - hours * 3_600_000);
        const sent = await emailsSentSince(
          env.trx,
          env.workspaceId,
          env.run.workflowId,
          to.map((a) => a.toLowerCase()),
          since,
        );
        const held = to.filter((a) => (sent.get(a.toLowerCase()) ?? 0) >= perRecipient);
        email.to = to.filter((a) => !held.includes(a));
        const limited = held.length
          ? {
              notSent: held,
              reason: `at most ${perRecipient} emails from this workflow to one address in ${hours} h`,
            }
          : undefined;
        if (email.to.length === 0) return { input: email, output: limited, next: step.next ?? null };
        await insertEmailSends(env.trx, {
          workspaceId: env.workspaceId,
          workflowId: env.run.workflowId,
          runId: env.cause.runId,
          stepId: step.id,
          addresses: email.to.map((a) => a.toLowerCase()),
        });
        if (step.mailboxId) {
          // The email module's channel: queued in the step's transaction, so it is sent once the step commits,
          // exactly once (the outbox entry's id is its Message-ID), and tried again while the SMTP server fails.
          const sender = env.principal.userId ?? env.run.ownerUserId;
          if (!sender)
            throw new AppError(
              'validation_failed',
              `${what}: the workflow has no owner to send the email for.`,
            );
          const mailboxId = step.mailboxId;
          if (!(await maySendFrom(env.trx, env.principal, mailboxId)))
            throw new AppError(
              'validation_failed',
              `${what}: the workflow acts as someone who does not read the mailbox it sends from.`,
              {
                errors: [
                  { field: `${field}.mailboxId`, message: 'Not readable by whom the workflow acts as.' },
                ],
              },
            );
          const queued = await named(what, `${field}.mailboxId`, () =>
            queueWorkspaceSend(env.trx, env.workspaceId, {
              userId: sender,
              mailboxId,
              to: email.to,
              subject: email.subject,
              text: email.body,
              html: written.html,
              record,
              language: email.language as 'en' | 'ar' | 'fa' | undefined,
            }),
          );
          return { input: email, output: { queued, ...via, ...limited }, next: step.next ?? null };
        }
        if (limited) return { input: email, output: limited, next: step.next ?? null, email };
      }
      return { input: email, output: null, next: step.next ?? null, email };
    }
    case 'wait': {
      let until: Date;
      if (step.minutes !== undefined) until = new Date(Date.now() + step.minutes * 60_000);
      else {
        let value: unknown;
        try {
          value = resolveValue(step.until!, env.scope);
        } catch (error) {
          throw expressionProblem(error, `${field}.until`, what);
        }
        until = new Date(typeof value === 'string' || typeof value === 'number' ? value : Number.NaN);
        if (Number.isNaN(until.getTime()))
          throw new AppError('validation_failed', `${what}: "until" did not give a date and time.`, {
            errors: [{ field: `${field}.until`, message: 'Is not a date and time.' }],
          });
      }
      return {
        input: { until: until.toISOString() },
        output: { waitedUntil: until.toISOString() },
        next: step.next ?? null,
        waitUntil: until,
      };
    }
    case 'updateRelated': {
      const related = await relatedOf(env, step, what, field, 'update');
      const input = {
        object: step.object,
        via: step.via,
        count: related.data.length,
        more: related.nextCursor !== null,
      };
      const planned = related.data.map((item) => ({
        id: item.id,
        values: resolveAll(step.values, { ...env.scope, item }, field, what),
      }));
      if (env.dryRun) return { input, output: { wouldUpdate: planned }, next: step.next ?? null };
      for (const p of planned)
        await named(what, field, () =>
          updateRecordIn(env.trx, env.principal, step.object, p.id, p.values, origin),
        );
      return {
        input,
        output: { updated: planned.map((p) => p.id), more: related.nextCursor !== null },
        next: step.next ?? null,
      };
    }
    case 'waitFor': {
      // First arrival: wait (on this same step) until the deadline; the record's change wakes the run early
      // (trigger.ts marks `event` in the step's output). On waking: the change, else the timeout, else not yet.
      const waiting = (env.scope.steps?.[step.id] ?? null) as {
        deadline?: string;
        event?: Record<string, unknown>;
      } | null;
      if (!waiting?.deadline) {
        const deadline = new Date(Date.now() + step.timeoutMinutes * 60_000);
        const input = { events: step.events, fields: step.fields ?? null, until: deadline.toISOString() };
        if (env.dryRun)
          return { input, output: { wouldWaitUntil: deadline.toISOString() }, next: step.next ?? null };
        return {
          input,
          output: { waitingSince: new Date().toISOString(), deadline: deadline.toISOString() },
          next: step.id,
          waitUntil: deadline,
        };
      }
      if (waiting.event) return { input: null, output: { event: waiting.event }, next: step.next ?? null };
      const deadline = new Date(waiting.deadline);
      if (Date.now() >= deadline.getTime())
        return { input: null, output: { timedOut: true }, next: step.whenTimeout ?? null };
      return { input: null, output: waiting, next: step.id, waitUntil: deadline };
    }
    case 'branch': {
      let holds = true;
      if (step.condition.expr) {
        try {
          holds = expressionHolds(step.condition.expr, env.scope);
        } catch (error) {
          throw expressionProblem(error, `${field}.condition.expr`, what);
        }
      }
      if (holds && step.condition.filter && env.object && env.recordId)
        holds = await named(what, `${field}.condition.filter`, () =>
          recordMatchesFilter(
            env.trx,
            env.principal,
            env.workspaceId,
            env.object!,
            env.recordId!,
            step.condition.filter,
          ),
        );
      return {
        input: { condition: step.condition },
        output: { result: holds },
        next: holds ? step.whenTrue : step.whenFalse,
      };
    }
    case 'switch': {
      let value: unknown;
      try {
        value = evaluateExpression(step.value.expr, env.scope);
      } catch (error) {
        throw expressionProblem(error, `${field}.value.expr`, `${what}, value to compare`);
      }
      // The value is plain JSON by now (CEL's ints and doubles both numbers), so strict equality is the rule.
      const found = step.cases.findIndex((c) => c.equals === value);
      return {
        input: { value: step.value },
        output: { value: value ?? null, matched: found === -1 ? null : found },
        next: found === -1 ? step.otherwise : step.cases[found]!.next,
      };
    }
    case 'webhook': {
      let body: unknown;
      try {
        body = step.body ? resolveValue(step.body, env.scope) : env.scope.record;
      } catch (error) {
        throw expressionProblem(error, `${field}.body`, what);
      }
      const text = JSON.stringify(body ?? null);
      const input = { url: step.url, method: step.method, body };
      if (env.dryRun)
        return {
          input,
          output: { wouldSend: { url: step.url, method: step.method } },
          next: step.next ?? null,
        };
      return {
        input,
        output: null,
        next: step.next ?? null,
        send: { url: step.url, method: step.method, body: text },
      };
    }
    case 'runWorkflow': {
      const call = {
        workflowId: step.workflowId,
        callerRunId: env.cause.runId,
        callerWorkflowId: env.run?.workflowId ?? '',
        stepId: step.id,
        depth: env.cause.depth,
        object: env.object,
        recordId: env.recordId,
        startedBy: env.principal.userId,
      };
      if (step.forEach) {
        // A loop: one run of the called workflow on each related record, keyed by the record, so a retried step
        // starts none twice.
        const each = step.forEach;
        const related = await relatedOf(env, each, what, `${field}.forEach`, 'read');
        const ids = related.data.map((item) => item.id);
        const more = related.nextCursor !== null;
        const input = {
          workflowId: step.workflowId,
          object: each.object,
          via: each.via,
          count: ids.length,
          more,
        };
        if (env.dryRun)
          return { input, output: { wouldStart: step.workflowId, on: ids, more }, next: step.next ?? null };
        if (!env.run)
          throw new AppError('validation_failed', `${what}: only a run can start another workflow.`);
        const started = [];
        for (const id of ids)
          started.push(
            await named(what, `${field}.workflowId`, () =>
              startCalledRun(env.trx, env.workspaceId, {
                ...call,
                object: each.object,
                recordId: id,
                perRecord: true,
              }),
            ),
          );
        return { input, output: { started, more }, next: step.next ?? null };
      }
      const input = { workflowId: step.workflowId };
      if (env.dryRun) return { input, output: { wouldStart: step.workflowId }, next: step.next ?? null };
      if (!env.run)
        throw new AppError('validation_failed', `${what}: only a run can start another workflow.`);
      const started = await named(what, `${field}.workflowId`, () =>
        startCalledRun(env.trx, env.workspaceId, call),
      );
      return { input, output: { started }, next: step.next ?? null };
    }
    case 'assign': {
      if (!env.object || !env.recordId)
        throw new AppError('validation_failed', `${what}: the run has no record to assign.`);
      const input = {
        object: env.object,
        recordId: env.recordId,
        field: step.field,
        strategy: step.strategy,
      };
      if (env.dryRun) return { input, output: { wouldAssign: step.pool }, next: step.next ?? null };
      if (!env.run) throw new AppError('validation_failed', `${what}: only a run can assign.`);
      const picked = await pickAssignee(env.trx, env.principal, step, {
        workspaceId: env.workspaceId,
        workflowId: env.run.workflowId,
        object: env.object,
        what,
      });
      if (!picked.userId)
        throw new AppError('validation_failed', `${what}: everyone in the pool is marked away.`, {
          errors: [{ field: `${field}.pool`, message: 'Everyone is away.' }],
        });
      const { object, recordId } = env;
      await named(what, field, () =>
        updateRecordIn(env.trx, env.principal, object, recordId, { [step.field]: picked.userId }, origin),
      );
      return {
        input,
        output: { assigned: picked.userId, skipped: picked.skipped, reason: picked.reason },
        next: step.next ?? null,
      };
    }
    case 'stop':
      return { input: null, output: { stopped: true }, next: null, stop: true };
  }
}

async function relationTarget(env: StepEnv, relation: string): Promise<string | undefined> {
  const { openScope } = await import('../records/scope.ts');
  const s = await openScope(env.trx, env.workspaceId, env.object!);
  const f = s.object.fields.find((x) => x.key === relation);
  return f?.type === 'relation' ? f.relation?.object : undefined;
}

/** Runs a record-engine call; its AppError is re-worded to name the step (the fields under the step's values). */
async function named<T>(what: string, field: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const errors = error.errors?.map((e) => ({
      field: e.field ? `${field}.values.${e.field}` : field,
      message: e.message,
    }));
    const detail = error.errors?.[0] ? `${error.errors[0].field}: ${error.errors[0].message}` : error.message;
    return Promise.reject(new AppError(error.code, `${what}: ${detail}`, errors ? { errors } : undefined));
  }
}

/** The expression scope of a run: the trigger record as its acting principal may read it, earlier outputs. */
export async function scopeOf(
  trx: Tx,
  principal: Principal,
  run: Pick<RunRow, 'trigger_object' | 'trigger_record_id' | 'trigger' | 'outputs'>,
): Promise<ExpressionScope> {
  let record: Record<string, unknown> = {};
  if (run.trigger_object && run.trigger_record_id) {
    const found = await readRecords(trx, principal, run.trigger_object, [run.trigger_record_id]);
    record = found.get(run.trigger_record_id) ?? {};
  }
  const trigger = run.trigger ?? {};
  // Old values only of the fields the principal may read (the record, as read, holds exactly those).
  const before = Object.fromEntries(
    Object.entries((trigger.before as Record<string, unknown> | undefined) ?? {}).filter(
      ([key]) => key in record,
    ),
  );
  return {
    record,
    before,
    steps: run.outputs ?? {},
    trigger,
    now: new Date(),
  };
}

/** An external effect whose step run (with its idempotency key) is committed before it is made. */
type External =
  | { kind: 'webhook'; url: string; method: string; body: string }
  | { kind: 'email'; message: EmailMessage };

/** The external effect of an open step run, rebuilt from what it recorded (after a crash between send and record). */
function externalOf(step: Step, input: unknown, key: string): External | undefined {
  const i = (input ?? {}) as Record<string, unknown>;
  if (step.type === 'webhook')
    return { kind: 'webhook', url: step.url, method: step.method, body: JSON.stringify(i.body ?? null) };
  if (step.type === 'sendEmail')
    return {
      kind: 'email',
      message: {
        to: i.to as string[],
        subject: String(i.subject ?? ''),
        body: String(i.body ?? ''),
        messageId: key,
        ...(typeof i.language === 'string' ? { language: i.language } : {}),
      },
    };
  return undefined;
}

/** Where a step job's effects go: whether webhooks may call private addresses, and the mail server. */
export interface StepOptions {
  allowPrivate: boolean;
  smtp?: SmtpSettings | undefined;
  /** Steps a workspace may run a minute; a step over it is put off to the next minute (RABITA_WORKFLOW_STEPS_PER_MINUTE). */
  stepsPerMinute?: number | undefined;
}

/**
 * The job: runs a run's current step. In one transaction it locks the run, stops if it is over, makes the step's
 * internal effect, writes the step run, moves the run on and queues the next job (or the wait's) — so the effect,
 * the checkpoint and the next job commit together. Webhooks and emails commit their step run (with its idempotency
 * key: the `Idempotency-Key` header, the Message-ID) first, send, and record the answer in a second transaction.
 */
export async function runWorkflowStep(
  db: Database,
  payload: { workspaceId: string; runId: string },
  options: StepOptions,
): Promise<void> {
  const { workspaceId, runId } = payload;
  let failed: StepFailed | undefined;
  // One transaction a step: the run (locked), its version, whom it acts as, the step's effect and checkpoint.
  const pending = await withWorkspace(db, workspaceId, async (trx) => {
    const found = await selectRunToStep(trx, workspaceId, runId);
    if (!found || TERMINAL.has(found.run.status)) return undefined;
    const { run, workflow, version } = found;
    const acting = await actingPrincipal(
      trx,
      workspaceId,
      workflow?.owner_user_id ?? null,
      run.started_by,
      settingsSchema.parse(version.settings ?? {}),
    );
    failpoint('after-step-claim');
    if (run.status === 'waiting') failpoint('mid-resume');
    const def = version.definition;
    if (acting.noOwner) {
      await failRun(
        trx,
        workspaceId,
        run,
        null,
        'The run has nobody to act as: its workflow’s owner is no longer a member.',
      );
      return undefined;
    }
    if (run.current_step === null) {
      await updateRun(trx, workspaceId, runId, { status: 'succeeded', finished: true, started: true });
      await releaseHeld(trx, workspaceId, run);
      return undefined;
    }
    const index = def.steps.findIndex((s) => s.id === run.current_step);
    const step = def.steps[index];
    if (!step) {
      await failRun(
        trx,
        workspaceId,
        run,
        null,
        `Step "${run.current_step}" is not in version ${run.version}.`,
      );
      return undefined;
    }
    const history = await selectStepRuns(trx, workspaceId, runId);
    const open = history.find((h) => h.step_id === step.id && h.status === 'running' && h.idempotency_key);
    if (open) {
      const external = externalOf(step, open.input, open.idempotency_key!);
      if (external)
        return {
          step,
          stepRunId: open.id,
          key: open.idempotency_key!,
          input: open.input,
          attempt: open.attempt,
          external,
        };
    }
    const attempt = history.filter((h) => h.step_id === step.id).length + 1;
    // A run-as role since deleted or widened beyond the owner fails the step rather than act with more rights (an
    // open external effect above was decided under the role as it was, and is only resent).
    if (acting.refusal !== undefined)
      throw new StepFailed(
        step,
        attempt,
        `Step "${step.id}"${step.name ? ` (${step.name})` : ''}: ${acting.refusal}`,
      );
    const principal = acting.principal;
    if (
      options.stepsPerMinute !== undefined &&
      (await stepsInLastMinute(trx, workspaceId, options.stepsPerMinute)) >= options.stepsPerMinute
    ) {
      // Over the workspace's steps a minute: the step is put off (never dropped) to a moment in the next minute,
      // spread so the put-off steps do not all come back at once.
      await updateRun(trx, workspaceId, runId, { reason: THROTTLED });
      await queueStep(trx, runId, new Date(Date.now() + 30_000 + Math.floor(Math.random() * 30_000)));
      return undefined;
    }
    // A run already running (its later steps) is left as it is: one statement less a step.
    if (run.status !== 'running' || run.started_at === null || run.reason === THROTTLED)
      await updateRun(trx, workspaceId, runId, {
        status: 'running',
        started: true,
        ...(run.reason === THROTTLED ? { reason: null } : {}),
      });
    const env: StepEnv = {
      trx,
      principal,
      workspaceId,
      object: run.trigger_object,
      recordId: run.trigger_record_id,
      scope: await scopeOf(trx, principal, run),
      dryRun: false,
      cause: { kind: 'workflow', runId, depth: run.depth + 1, ...(workflow ? { name: workflow.name } : {}) },
      smtp: options.smtp,
      run: {
        workflowId: run.workflow_id,
        ownerUserId: workflow?.owner_user_id ?? null,
        emailLimit: settingsSchema.parse(version.settings ?? {}).emailLimit,
      },
    };
    let outcome: StepOutcome;
    try {
      outcome = await evaluateStep(env, step, index);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      // Roll the step's partial work back; the failure is recorded in a clean transaction below.
      throw new StepFailed(step, attempt, error.message);
    }
    if (outcome.send || outcome.email) {
      // The idempotency key is recorded (committed) before the send: a crash after the send resends the same key.
      const key = outcome.email ? messageIdFor(runId, step.id, options.smtp) : `${runId}:${step.id}`;
      const external: External = outcome.email
        ? { kind: 'email', message: { ...outcome.email, messageId: key } }
        : { kind: 'webhook', ...outcome.send! };
      const input = outcome.email ? { ...outcome.email, messageId: key } : outcome.input;
      const stepRunId = newId();
      await insertStepRun(trx, {
        workspaceId,
        id: stepRunId,
        runId,
        stepId: step.id,
        stepType: step.type,
        status: 'running',
        attempt,
        input,
        output: null,
        error: null,
        idempotencyKey: key,
        finished: false,
      });
      failpoint('before-effect-commit');
      return { step, stepRunId, key, input, attempt, external };
    }
    await insertStepRun(trx, {
      workspaceId,
      id: newId(),
      runId,
      stepId: step.id,
      stepType: step.type,
      status: 'succeeded',
      attempt,
      input: outcome.input,
      output: outcome.output,
      error: null,
      idempotencyKey: null,
      finished: true,
    });
    await advance(trx, workspaceId, run, step.id, outcome);
    failpoint('before-effect-commit');
    return undefined;
  }).catch((error: unknown) => {
    if (!(error instanceof StepFailed)) throw error;
    failed = error;
    return undefined;
  });
  if (failed) {
    const f = failed;
    await withWorkspace(db, workspaceId, async (trx) => {
      const run = await selectRun(trx, workspaceId, runId, { lock: true });
      if (!run || TERMINAL.has(run.status)) return;
      await insertStepRun(trx, {
        workspaceId,
        id: newId(),
        runId,
        stepId: f.step.id,
        stepType: f.step.type,
        status: 'failed',
        attempt: f.attempt,
        input: null,
        output: null,
        error: f.message,
        idempotencyKey: null,
        finished: true,
      });
      await failRun(trx, workspaceId, run, f.step.id, f.message);
    });
    return;
  }
  if (!pending) return;
  // The external send: the step run with its key is committed; a crash from here resends the same key.
  const p = pending;
  const step = p.step;
  let ok: boolean;
  let retryable: boolean;
  let retryAfter: number | null = null;
  let output: Record<string, unknown>;
  let problem: string;
  const what = `Step "${step.id}"${step.name ? ` (${step.name})` : ''}`;
  if (p.external.kind === 'webhook') {
    const e = p.external;
    const outcome = await sendWorkflowRequest(e.url, e.method, e.body, p.key, options.allowPrivate);
    ok = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
    retryable =
      !outcome.refused &&
      (outcome.statusCode === null || outcome.statusCode === 429 || outcome.statusCode >= 500);
    retryAfter = outcome.retryAfterSeconds;
    output = { statusCode: outcome.statusCode, error: outcome.error };
    problem = `${what}: the webhook answered ${outcome.statusCode ?? 'nothing'}${outcome.error ? ` (${outcome.error})` : ''}.`;
  } else if (!options.smtp) {
    // Recorded with a server that had a mail server, resumed on one without: nothing can be sent from here.
    ok = false;
    retryable = false;
    output = { sent: false };
    problem = `${what}: this server has no mail server set up (RABITA_SMTP_URL), so the email was not sent.`;
  } else {
    const outcome = await sendWorkflowEmail(options.smtp, p.external.message);
    ok = outcome.accepted;
    // No answer, or a temporary refusal (4xx): try again; a permanent one (5xx) fails the step.
    retryable = outcome.responseCode === null || (outcome.responseCode >= 400 && outcome.responseCode < 500);
    output = ok
      ? { sent: true, messageId: p.key, to: p.external.message.to }
      : { sent: false, responseCode: outcome.responseCode, error: outcome.error };
    problem = `${what}: the mail server did not take the email${outcome.responseCode ? ` (${outcome.responseCode})` : ''}${outcome.error ? `: ${outcome.error}` : '.'}`;
  }
  failpoint('after-external-send');
  await withWorkspace(db, workspaceId, async (trx) => {
    const run = await selectRun(trx, workspaceId, runId, { lock: true });
    if (!run || TERMINAL.has(run.status)) return;
    if (ok) {
      await finishStepRun(trx, workspaceId, p.stepRunId, { status: 'succeeded', output, error: null });
      await advance(trx, workspaceId, run, step.id, {
        input: p.input,
        output,
        next: 'next' in step ? (step.next ?? null) : null,
      });
      return;
    }
    if (retryable && p.attempt < EXTERNAL_TRIES) {
      // Try again later with the same key: after Retry-After when given, else 30 s, 2 min, 8 min, 32 min.
      const seconds = retryAfter ?? 30 * 4 ** (p.attempt - 1);
      await finishStepRun(trx, workspaceId, p.stepRunId, {
        status: 'failed',
        output,
        error: problem,
      });
      await insertStepRun(trx, {
        workspaceId,
        id: newId(),
        runId,
        stepId: step.id,
        stepType: step.type,
        status: 'running',
        attempt: p.attempt + 1,
        input: p.input,
        output: null,
        error: null,
        idempotencyKey: p.key,
        finished: false,
      });
      await queueStep(trx, runId, new Date(Date.now() + seconds * 1000));
      return;
    }
    await finishStepRun(trx, workspaceId, p.stepRunId, { status: 'failed', output, error: problem });
    await failRun(trx, workspaceId, run, step.id, problem);
  });
}

/** Moves a run past a finished step: to the next step (now, or after a wait), or to its end. */
async function advance(trx: Tx, workspaceId: string, run: RunRow, stepId: string, outcome: StepOutcome) {
  const outputs = { ...run.outputs, [stepId]: outcome.output };
  // A wait resumes at its time even when it is the last step (the run ends on resuming).
  if (outcome.waitUntil) {
    await updateRun(trx, workspaceId, run.id, { status: 'waiting', currentStep: outcome.next, outputs });
    await queueStep(trx, run.id, outcome.waitUntil);
    return;
  }
  if (outcome.stop || outcome.next === null) {
    await updateRun(trx, workspaceId, run.id, {
      status: 'succeeded',
      currentStep: null,
      outputs,
      finished: true,
    });
    await releaseHeld(trx, workspaceId, run);
    return;
  }
  await updateRun(trx, workspaceId, run.id, { status: 'running', currentStep: outcome.next, outputs });
  await queueStep(trx, run.id);
}

/**
 * After a run ends: the oldest run of its workflow on its record that was held behind it (concurrency `queue`)
 * starts, in the same transaction as the end.
 */
export async function releaseHeld(
  trx: Tx,
  workspaceId: string,
  run: Pick<RunRow, 'workflow_id' | 'trigger_record_id'>,
): Promise<void> {
  if (!run.trigger_record_id) return;
  await lockRecordRuns(trx, run.workflow_id, run.trigger_record_id);
  const next = await nextHeldRun(trx, workspaceId, run.workflow_id, run.trigger_record_id);
  if (!next) return;
  await updateRun(trx, workspaceId, next, { reason: null });
  await queueStep(trx, next);
}

async function failRun(trx: Tx, workspaceId: string, run: RunRow, stepId: string | null, message: string) {
  await updateRun(trx, workspaceId, run.id, {
    status: 'failed',
    currentStep: stepId ?? run.current_step,
    error: message.slice(0, 2000),
    finished: true,
  });
  await releaseHeld(trx, workspaceId, run);
}

/** Walks a draft against a record without side effects: each step's input and what it would do. */
export async function walkDraft(
  trx: Tx,
  principal: Principal,
  def: WorkflowDefinition,
  object: string | null,
  recordId: string | null,
): Promise<{ stepId: string; type: string; input: unknown; output: unknown; error: string | null }[]> {
  const run = {
    trigger_object: object,
    trigger_record_id: recordId,
    trigger: { kind: 'test' },
    outputs: {} as Record<string, unknown>,
  };
  const scope = await scopeOf(trx, principal, run);
  const out = [];
  let current = def.start;
  const seen = new Set<string>();
  while (current && !seen.has(current) && out.length < 200) {
    seen.add(current);
    const index = def.steps.findIndex((s) => s.id === current);
    const step = def.steps[index];
    if (!step) {
      out.push({
        stepId: current,
        type: 'missing',
        input: null,
        output: null,
        error: `Step "${current}" does not exist.`,
      });
      break;
    }
    const env: StepEnv = {
      trx,
      principal,
      workspaceId: principal.workspaceId,
      object,
      recordId,
      scope,
      dryRun: true,
      cause: { kind: 'workflow', runId: 'test', depth: 0 },
    };
    try {
      const o = await evaluateStep(env, step, index);
      out.push({ stepId: step.id, type: step.type, input: o.input, output: o.output, error: null });
      scope.steps = { ...scope.steps, [step.id]: o.output };
      current = o.stop ? null : o.next;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      out.push({ stepId: step.id, type: step.type, input: null, output: null, error: error.message });
      break;
    }
  }
  return out;
}
