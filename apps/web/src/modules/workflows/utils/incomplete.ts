import type { Condition, Step, Trigger, ValueSource } from './workflow-types.ts';

// The definition the API takes is strict (a message cannot be empty, a webhook needs a URL), so a draft with an
// unfinished step cannot be saved. The editor names what is missing before it asks the server.

const blankSource = (v: ValueSource) => 'expr' in v && v.expr.trim() === '';
const blankCondition = (c: Condition) => c.filter === undefined && !c.expr?.trim();

function isUrl(text: string): boolean {
  try {
    return Boolean(new URL(text));
  } catch {
    return false;
  }
}

/** The fields of a step left unfilled (empty when it can be saved). */
export function missingInStep(step: Step): string[] {
  const missing: string[] = [];
  switch (step.type) {
    case 'updateRecord':
      if (step.target !== 'trigger' && !step.target.relation) missing.push('relation');
      if (Object.values(step.values).some(blankSource)) missing.push('values');
      break;
    case 'createRecord':
      if (!step.object) missing.push('object');
      if (Object.values(step.values).some(blankSource)) missing.push('values');
      break;
    case 'notify':
      if (step.users.length === 0 || step.users.some(blankSource)) missing.push('users');
      if (!step.message.trim()) missing.push('message');
      break;
    case 'sendEmail':
      if (step.to.length === 0 || step.to.some(blankSource)) missing.push('to');
      if (!step.templateId && !step.subject?.trim()) missing.push('subject');
      if (!step.templateId && !step.body?.trim()) missing.push('body');
      break;
    case 'wait':
      if (step.until ? blankSource(step.until) : !step.minutes) missing.push('until');
      break;
    case 'branch':
      if (blankCondition(step.condition)) missing.push('condition');
      break;
    case 'switch': {
      if (!step.value.expr.trim()) missing.push('value');
      // A case needs a value, and no two alike (only the first of them could ever be taken).
      const seen = new Set<string>();
      for (const c of step.cases) {
        const key = `${typeof c.equals}:${String(c.equals)}`;
        if (c.equals === '' || seen.has(key)) {
          missing.push('cases');
          break;
        }
        seen.add(key);
      }
      break;
    }
    case 'webhook':
      if (!isUrl(step.url)) missing.push('url');
      break;
    case 'runWorkflow':
      if (!step.workflowId) missing.push('workflowId');
      if (step.forEach && !step.forEach.via) missing.push('forEach');
      break;
    case 'updateRelated':
      if (!step.via) missing.push('via');
      break;
    case 'assign':
      if ('users' in step.pool && step.pool.users.length === 0) missing.push('pool');
      break;
    case 'stop':
      break;
  }
  return missing;
}

/** The trigger's fields left unfilled. */
export function missingInTrigger(trigger: Trigger): string[] {
  if (trigger.type === 'schedule') return trigger.cron.trim().length < 9 || !trigger.timeZone ? ['cron'] : [];
  if (trigger.type === 'webhook') return [];
  if (trigger.type === 'called') return [];
  if (!trigger.object) return ['object'];
  if (trigger.type === 'event') {
    if (!trigger.event) return ['event'];
    if (trigger.condition && blankCondition(trigger.condition)) return ['condition'];
  }
  if (trigger.type === 'record') {
    if (trigger.events.length === 0) return ['events'];
    if (trigger.condition && blankCondition(trigger.condition)) return ['condition'];
  }
  if (trigger.type === 'date') {
    if (!trigger.field) return ['field'];
    if (trigger.at !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(trigger.at)) return ['at'];
  }
  return [];
}
