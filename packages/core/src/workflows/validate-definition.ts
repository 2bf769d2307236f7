import type { Tx } from '@rabita/db';
import { isTimeZone } from '@rabita/shared';
import type { Principal } from '../auth/principal.ts';
import { maySendFrom, workspaceSendingMailbox } from '../email/outbox.service.ts';
import { templateUsable } from '../email/templates.service.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { registry } from '../modules/registry.ts';
import { keeperOf, ruleFor } from '../records/access.ts';
import { openScope } from '../records/scope.ts';
import {
  definition as definitionSchema,
  type Step,
  triggerObjectOf,
  type WorkflowDefinition,
} from './definition.ts';
import { compileExpression, ExpressionError, templateExpressions } from './expressions.ts';
import { cronProblem } from './schedule.ts';
import { selectWorkflow } from './workflows.repository.ts';

/** The steps a step may go to next (a branch: both outcomes; a switch: every case, then otherwise). */
export function successors(step: Step): (string | null | undefined)[] {
  if (step.type === 'branch') return [step.whenTrue, step.whenFalse];
  if (step.type === 'switch') return [...step.cases.map((c) => c.next), step.otherwise];
  if (step.type === 'waitFor') return [step.next, step.whenTimeout];
  return step.type === 'stop' ? [] : [step.next];
}

function checkExpr(problems: FieldProblem[], field: string, what: string, expr: string) {
  try {
    compileExpression(expr);
  } catch (error) {
    const why = error instanceof ExpressionError ? error.message : 'does not compile';
    problems.push({ field, message: `${what}: the expression ${why}.` });
  }
}

/**
 * Checks a draft before it is published: every step a step names exists, `start` exists, no step leads back to
 * itself, the objects and fields named exist and the publisher may write them, every expression compiles. Each
 * problem names the step and the field in plain words.
 */
export async function validateForPublish(
  trx: Tx,
  principal: Principal,
  def: WorkflowDefinition,
): Promise<void> {
  const problems: FieldProblem[] = [];
  const byId = new Map<string, Step>();
  def.steps.forEach((step, i) => {
    if (byId.has(step.id))
      problems.push({ field: `steps.${i}.id`, message: `Step "${step.id}": another step has the same id.` });
    byId.set(step.id, step);
  });
  if (def.start !== null && !byId.has(def.start))
    problems.push({ field: 'start', message: `The first step "${def.start}" does not exist.` });
  def.steps.forEach((step, i) => {
    for (const [key, target] of Object.entries(
      step.type === 'branch'
        ? { whenTrue: step.whenTrue, whenFalse: step.whenFalse }
        : step.type === 'switch'
          ? {
              ...Object.fromEntries(step.cases.map((c, m) => [`cases.${m}.next`, c.next])),
              otherwise: step.otherwise,
            }
          : step.type === 'waitFor'
            ? { next: step.next, whenTimeout: step.whenTimeout }
            : { next: 'next' in step ? step.next : null },
    )) {
      if (target && !byId.has(target))
        problems.push({
          field: `steps.${i}.${key}`,
          message: `Step "${step.id}": ${targetWords(key)} names step "${target}", which does not exist.`,
        });
    }
  });
  // Cycles: a depth-first walk from every step.
  const state = new Map<string, 'open' | 'done'>();
  const visit = (id: string, path: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'open') {
      const at = def.steps.findIndex((s) => s.id === id);
      problems.push({
        field: `steps.${at}`,
        message: `Step "${id}" leads back to itself (${[...path.slice(path.indexOf(id)), id].join(' → ')}); a workflow may not loop.`,
      });
      return;
    }
    state.set(id, 'open');
    const step = byId.get(id);
    if (step) for (const next of successors(step)) if (next && byId.has(next)) visit(next, [...path, id]);
    state.set(id, 'done');
  };
  for (const step of def.steps) visit(step.id, []);

  // Objects and fields, as the publisher may see and write them.
  const objectProblems = async (object: string, field: string, what: string, values?: string[]) => {
    let scope: Awaited<ReturnType<typeof openScope>>;
    try {
      scope = await openScope(trx, principal.workspaceId, object);
    } catch {
      problems.push({ field, message: `${what}: there is no object "${object}".` });
      return undefined;
    }
    const rule = ruleFor(principal, object);
    for (const key of values ?? []) {
      const def = scope.object.fields.find((f) => f.key === key);
      if (!def || rule.hiddenFields?.includes(key))
        problems.push({
          field: `${field}.values.${key}`,
          message: `${what}: there is no field "${key}" on ${object}.`,
        });
      else if (def.readOnly || rule.readOnlyFields?.includes(key))
        problems.push({
          field: `${field}.values.${key}`,
          message: `${what}: the field "${key}" is read-only.`,
        });
    }
    return { scope, rule };
  };

  // The records a step goes over: `via` must be a field of theirs pointing at the run's record.
  const relatedProblems = async (
    related: { object: string; via: string },
    field: string,
    what: string,
    values?: string[],
  ) => {
    const found = await objectProblems(related.object, field, what, values);
    const via = found?.scope.object.fields.find((f) => f.key === related.via);
    if (found && (via?.type !== 'relation' || via.relation?.object !== triggerObject))
      problems.push({
        field: `${field}.via`,
        message: `${what}: "${related.via}" is not a field of ${related.object} pointing to ${triggerObject ?? "the run's record"}.`,
      });
    return found;
  };

  const trigger = def.trigger;
  // A module's kept records (NPS surveys, sent emails, forecast rows) are written by it, not the record engine: no
  // record event ever announces them, so a trigger on their changes or dates would wait for ever.
  const keptProblem = (object: string) => {
    const keeper = keeperOf(object);
    if (keeper)
      problems.push({
        field: 'trigger.object',
        message: `The trigger: ${object} are kept by the ${keeper} module, and their changes start no workflow.`,
      });
  };
  if (
    (trigger.type === 'record' || trigger.type === 'manual' || trigger.type === 'called') &&
    trigger.object
  ) {
    const found = await objectProblems(trigger.object, 'trigger.object', 'The trigger');
    if (found && !found.rule.read)
      problems.push({ field: 'trigger.object', message: `The trigger: you may not read ${trigger.object}.` });
    if (found && trigger.type === 'record') {
      keptProblem(trigger.object);
      for (const key of trigger.fields ?? [])
        if (!found.scope.object.fields.some((f) => f.key === key) || found.rule.hiddenFields?.includes(key))
          problems.push({
            field: 'trigger.fields',
            message: `The trigger: there is no field "${key}" on ${trigger.object}.`,
          });
      if (trigger.condition?.expr)
        checkExpr(problems, 'trigger.condition.expr', 'The trigger', trigger.condition.expr);
    }
  }
  if (trigger.type === 'event') {
    const declared = registry().moduleEvents.get(trigger.event);
    if (!declared)
      problems.push({
        field: 'trigger.event',
        message: `The trigger: there is no event "${trigger.event}".`,
      });
    else if (declared.object !== '*' && declared.object !== trigger.object)
      problems.push({
        field: 'trigger.object',
        message: `The trigger: "${trigger.event}" is about ${declared.object ?? 'no record'}, not ${trigger.object}.`,
      });
    const found = await objectProblems(trigger.object, 'trigger.object', 'The trigger');
    if (found && !found.rule.read)
      problems.push({ field: 'trigger.object', message: `The trigger: you may not read ${trigger.object}.` });
    if (trigger.condition?.expr)
      checkExpr(problems, 'trigger.condition.expr', 'The trigger', trigger.condition.expr);
  }
  if (trigger.type === 'schedule') {
    const problem = cronProblem(trigger.cron, trigger.timeZone);
    if (problem)
      problems.push({
        field: problem.includes('time zone') ? 'trigger.timeZone' : 'trigger.cron',
        message: `The trigger: ${problem}`,
      });
  }
  if (trigger.type === 'date') {
    const found = await objectProblems(trigger.object, 'trigger.object', 'The trigger');
    if (found) keptProblem(trigger.object);
    if (found && !found.rule.read)
      problems.push({ field: 'trigger.object', message: `The trigger: you may not read ${trigger.object}.` });
    const f = found?.scope.object.fields.find((d) => d.key === trigger.field);
    if (found && (!f || found.rule.hiddenFields?.includes(trigger.field)))
      problems.push({
        field: 'trigger.field',
        message: `The trigger: there is no field "${trigger.field}" on ${trigger.object}.`,
      });
    else if (f && f.type !== 'date' && f.type !== 'dateTime')
      problems.push({
        field: 'trigger.field',
        message: `The trigger: "${trigger.field}" is not a date or date-time field.`,
      });
    if (trigger.timeZone !== undefined && !isTimeZone(trigger.timeZone))
      problems.push({
        field: 'trigger.timeZone',
        message: `The trigger: "${trigger.timeZone}" is not an IANA time zone (such as Asia/Tehran).`,
      });
    if (trigger.unit === 'minutes' && (trigger.at !== undefined || trigger.businessDays))
      problems.push({
        field: 'trigger.unit',
        message: 'The trigger: a time of day and business days go with an offset in days, not minutes.',
      });
  }
  const triggerObject = triggerObjectOf(trigger);

  for (const [i, step] of def.steps.entries()) {
    const field = `steps.${i}`;
    const what = `Step "${step.id}"`;
    const exprs = (values: Record<string, { value: unknown } | { expr: string }>) => {
      for (const [key, source] of Object.entries(values))
        if ('expr' in source) checkExpr(problems, `${field}.values.${key}`, what, source.expr);
    };
    switch (step.type) {
      case 'updateRecord': {
        if (!triggerObject) {
          problems.push({
            field: `${field}.target`,
            message: `${what}: a scheduled workflow has no record to update.`,
          });
          break;
        }
        let object = triggerObject;
        if (step.target !== 'trigger') {
          const scope = await openScope(trx, principal.workspaceId, triggerObject).catch(() => undefined);
          const rel = scope?.object.fields.find(
            (f) => f.key === (step.target as { relation: string }).relation,
          );
          if (rel?.type !== 'relation' || !rel.relation || rel.relation.many) {
            problems.push({
              field: `${field}.target.relation`,
              message: `${what}: "${step.target.relation}" is not a field of ${triggerObject} that links one record.`,
            });
            break;
          }
          object = rel.relation.object;
        }
        const found = await objectProblems(object, field, what, Object.keys(step.values));
        if (found && !found.rule.update)
          problems.push({
            field: `${field}.target`,
            message: `${what}: you may not update ${object} records.`,
          });
        exprs(step.values);
        break;
      }
      case 'createRecord': {
        const found = await objectProblems(step.object, field, what, Object.keys(step.values));
        if (found && !found.rule.create)
          problems.push({
            field: `${field}.object`,
            message: `${what}: you may not create ${step.object} records.`,
          });
        exprs(step.values);
        break;
      }
      case 'notify':
        step.users.forEach((u, j) => {
          if ('expr' in u) checkExpr(problems, `${field}.users.${j}`, what, u.expr);
        });
        for (const e of safeTemplate(problems, `${field}.message`, what, step.message))
          checkExpr(problems, `${field}.message`, what, e);
        break;
      case 'sendEmail':
        step.to.forEach((u, j) => {
          if ('expr' in u) checkExpr(problems, `${field}.to.${j}`, what, u.expr);
        });
        for (const part of ['subject', 'body'] as const)
          for (const e of safeTemplate(problems, `${field}.${part}`, what, step[part] ?? ''))
            checkExpr(problems, `${field}.${part}`, what, e);
        // The email module's template and mailbox: one the publisher may use, a shared mailbox that can send.
        if (step.templateId && !(await templateUsable(trx, principal, step.templateId)))
          problems.push({
            field: `${field}.templateId`,
            message: `${what}: there is no email template ${step.templateId} you may use.`,
          });
        if (step.mailboxId) {
          const found = await workspaceSendingMailbox(trx, principal.workspaceId, step.mailboxId);
          if (!('mailbox' in found))
            problems.push({ field: `${field}.mailboxId`, message: `${what}: ${lowerFirst(found.message)}` });
          else if (!(await maySendFrom(trx, principal, step.mailboxId)))
            problems.push({
              field: `${field}.mailboxId`,
              message: `${what}: you do not read the mailbox ${found.mailbox.address}, so you may not send from it.`,
            });
        }
        for (const [lang, t] of Object.entries(step.translations ?? {}))
          for (const part of ['subject', 'body'] as const)
            for (const e of safeTemplate(problems, `${field}.translations.${lang}.${part}`, what, t[part]))
              checkExpr(problems, `${field}.translations.${lang}.${part}`, what, e);
        if (step.language && 'expr' in step.language)
          checkExpr(problems, `${field}.language`, what, step.language.expr);
        break;
      case 'wait':
        if (step.until && 'expr' in step.until) checkExpr(problems, `${field}.until`, what, step.until.expr);
        break;
      case 'branch':
        if (step.condition.expr) checkExpr(problems, `${field}.condition.expr`, what, step.condition.expr);
        break;
      case 'switch': {
        checkExpr(problems, `${field}.value.expr`, `${what}, value to compare`, step.value.expr);
        // Only the first of equal cases could ever be taken: a second one is a mistake, not a way.
        const seen = new Map<string, number>();
        step.cases.forEach((c, m) => {
          const key = `${typeof c.equals}:${String(c.equals)}`;
          const first = seen.get(key);
          if (first === undefined) seen.set(key, m);
          else
            problems.push({
              field: `${field}.cases.${m}.equals`,
              message: `${what}: case ${m + 1} compares with ${JSON.stringify(c.equals)}, as case ${first + 1} does.`,
            });
        });
        break;
      }
      case 'webhook':
        if (step.body && 'expr' in step.body) checkExpr(problems, `${field}.body`, what, step.body.expr);
        break;
      case 'updateRelated': {
        const found = await relatedProblems(step, field, what, Object.keys(step.values));
        if (found && !found.rule.update)
          problems.push({
            field: `${field}.object`,
            message: `${what}: you may not update ${step.object} records.`,
          });
        exprs(step.values);
        break;
      }
      case 'waitFor': {
        if (!triggerObject) {
          problems.push({
            field: `${field}.events`,
            message: `${what}: this workflow has no record to wait on.`,
          });
          break;
        }
        const found = await objectProblems(triggerObject, field, what);
        for (const key of step.fields ?? [])
          if (
            found &&
            (!found.scope.object.fields.some((f) => f.key === key) || found.rule.hiddenFields?.includes(key))
          )
            problems.push({
              field: `${field}.fields`,
              message: `${what}: there is no field "${key}" on ${triggerObject}.`,
            });
        if (step.condition) checkExpr(problems, `${field}.condition.expr`, what, step.condition.expr);
        break;
      }
      case 'assign': {
        if (!triggerObject) {
          problems.push({
            field: `${field}.field`,
            message: `${what}: this workflow has no record to assign.`,
          });
          break;
        }
        const found = await objectProblems(triggerObject, field, what, [step.field]);
        const def = found?.scope.object.fields.find((f) => f.key === step.field);
        if (found && def && def.type !== 'user')
          problems.push({
            field: `${field}.field`,
            message: `${what}: "${step.field}" is not a person field.`,
          });
        if (found && !found.rule.update)
          problems.push({
            field: `${field}.field`,
            message: `${what}: you may not update ${triggerObject} records.`,
          });
        break;
      }
      case 'runWorkflow': {
        const other = await selectWorkflow(trx, principal.workspaceId, step.workflowId);
        if (!other)
          problems.push({ field: `${field}.workflowId`, message: `${what}: there is no such workflow.` });
        else {
          const called = definitionSchema.safeParse(other.draft).data?.trigger;
          if (called?.type !== 'called')
            problems.push({
              field: `${field}.workflowId`,
              message: `${what}: "${other.name}" is not started by other workflows (its trigger must be "called").`,
            });
          else if (step.forEach && called.object !== step.forEach.object)
            problems.push({
              field: `${field}.workflowId`,
              message: `${what}: "${other.name}" does not start on ${step.forEach.object} records (its trigger must name that object).`,
            });
        }
        if (step.forEach) {
          const found = await relatedProblems(step.forEach, `${field}.forEach`, what);
          if (found && !found.rule.read)
            problems.push({
              field: `${field}.forEach.object`,
              message: `${what}: you may not read ${step.forEach.object} records.`,
            });
        }
        break;
      }
      case 'stop':
        break;
    }
  }
  if (problems.length > 0)
    throw new AppError(
      'validation_failed',
      `The workflow cannot be published: ${problems[0]!.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
      { errors: problems },
    );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A link's field in words: `whenTrue` as is, `cases.1.next` as "case 2". */
function targetWords(key: string): string {
  const m = /^cases\.(\d+)\.next$/.exec(key);
  return m ? `case ${Number(m[1]) + 1}` : `its ${key}`;
}

function safeTemplate(problems: FieldProblem[], field: string, what: string, text: string): string[] {
  try {
    return templateExpressions(text);
  } catch (error) {
    problems.push({ field, message: `${what}: the text ${error instanceof Error ? error.message : ''}.` });
    return [];
  }
}
