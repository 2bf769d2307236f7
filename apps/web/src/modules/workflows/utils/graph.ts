import type { Step, WorkflowDefinition } from './workflow-types.ts';

/** The kinds of step the editor offers, in the order of its "add a step" menu. */
export const STEP_TYPES = [
  'updateRecord',
  'createRecord',
  'updateRelated',
  'notify',
  'sendEmail',
  'wait',
  'waitFor',
  'branch',
  'switch',
  'webhook',
  'assign',
  'runWorkflow',
  'stop',
] as const satisfies readonly Step['type'][];
export type StepType = (typeof STEP_TYPES)[number];

/** A switch's way out for its case at an index (`case-0` first). */
export type CaseHandle = `case-${number}`;

/** Where an edge leaves a node: the one way on, a branch's yes and no, or a switch's cases and otherwise. */
export type Handle = 'next' | 'yes' | 'no' | 'event' | 'timeout' | 'otherwise' | CaseHandle;

/** The i18n key (under `workflow.`) of the words on a handle's badge and edge; a case shows its own label. */
export const HANDLE_LABEL: Record<Exclude<Handle, 'next' | CaseHandle>, string> = {
  yes: 'yes',
  no: 'no',
  event: 'onEvent',
  timeout: 'onTimeout',
  otherwise: 'otherwise',
};

export const caseHandle = (index: number): CaseHandle => `case-${index}`;

/** The case index a handle stands for, or null for any other handle. */
export function caseIndex(handle: Handle): number | null {
  const m = /^case-(\d+)$/.exec(handle);
  return m ? Number(m[1]) : null;
}

export function isCaseHandle(handle: Handle): handle is CaseHandle {
  return caseIndex(handle) !== null;
}

/** The i18n key of a handle's words, or null for the one way on and for a case (which shows its own). */
export function handleLabelKey(handle: Handle): string | null {
  if (handle === 'next' || isCaseHandle(handle)) return null;
  return `workflow.${HANDLE_LABEL[handle]}`;
}

export type SwitchStep = Extract<Step, { type: 'switch' }>;
export type SwitchCase = SwitchStep['cases'][number];

/** A case's value as written (`""` for empty text). */
export function caseValueText(equals: SwitchCase['equals']): string {
  return typeof equals === 'string' ? (equals === '' ? '""' : equals) : String(equals);
}

/** What a case's way out is called: its label, else the value it compares with. */
export function caseText(c: SwitchCase): string {
  return c.label || caseValueText(c.equals);
}

/** The node that stands for the trigger on the canvas (step ids cannot take this form with a capital). */
export const TRIGGER_NODE = 'trigger';

/** The steps a step leads to, by handle (a stop leads nowhere; null ends the run); a case carries its words. */
export function outgoing(step: Step): { handle: Handle; target: string | null; label?: string }[] {
  if (step.type === 'stop') return [];
  if (step.type === 'switch')
    return [
      ...step.cases.map((c, i) => ({ handle: caseHandle(i), target: c.next, label: caseText(c) })),
      { handle: 'otherwise' as const, target: step.otherwise },
    ];
  if (step.type === 'branch')
    return [
      { handle: 'yes', target: step.whenTrue },
      { handle: 'no', target: step.whenFalse },
    ];
  if (step.type === 'waitFor')
    return [
      { handle: 'event', target: step.next ?? null },
      { handle: 'timeout', target: step.whenTimeout ?? null },
    ];
  return [{ handle: 'next', target: step.next ?? null }];
}

/** The step a handle of `anchor` leads to now (`trigger` for the start). */
function targetOf(def: WorkflowDefinition, anchor: string, handle: Handle): string | null {
  if (anchor === TRIGGER_NODE) return def.start;
  const step = def.steps.find((s) => s.id === anchor);
  return step ? (outgoing(step).find((o) => o.handle === handle)?.target ?? null) : null;
}

/** `step` with the target behind one handle replaced. */
function withTarget(step: Step, handle: Handle, target: string | null): Step {
  if (step.type === 'stop') return step;
  if (step.type === 'branch')
    return handle === 'no' ? { ...step, whenFalse: target } : { ...step, whenTrue: target };
  if (step.type === 'waitFor')
    return handle === 'timeout' ? { ...step, whenTimeout: target } : { ...step, next: target };
  if (step.type === 'switch') {
    if (handle === 'otherwise') return { ...step, otherwise: target };
    const at = caseIndex(handle) ?? 0;
    return { ...step, cases: step.cases.map((c, i) => (i === at ? { ...c, next: target } : c)) };
  }
  return { ...step, next: target };
}

/** The smallest free id of the form `s<n>`. */
export function newStepId(def: WorkflowDefinition): string {
  const taken = new Set(def.steps.map((s) => s.id));
  let n = 1;
  while (taken.has(`s${n}`)) n++;
  return `s${n}`;
}

/** A new step of a type, with the defaults its form starts from. */
export function blankStep(type: StepType, id: string, next: string | null): Step {
  switch (type) {
    case 'updateRecord':
      return { id, type, target: 'trigger', values: {}, next };
    case 'createRecord':
      return { id, type, object: 'tasks', values: {}, next };
    case 'updateRelated':
      return { id, type, object: 'people', via: '', values: {}, limit: 100, next };
    case 'notify':
      return { id, type, users: [{ expr: 'record.owner' }], message: '', next };
    case 'sendEmail':
      return { id, type, to: [], subject: '', body: '', next };
    case 'wait':
      return { id, type, minutes: 60, next };
    case 'waitFor':
      return { id, type, events: ['updated'], timeoutMinutes: 2880, next, whenTimeout: null };
    case 'branch':
      return { id, type, condition: {}, whenTrue: next, whenFalse: null };
    case 'switch':
      // Two cases to start with (values still to fill in); what followed goes on the first.
      return {
        id,
        type,
        value: { expr: '' },
        cases: [
          { equals: '', next },
          { equals: '', next: null },
        ],
        otherwise: null,
      };
    case 'webhook':
      return { id, type, url: '', method: 'POST', next };
    case 'runWorkflow':
      return { id, type, workflowId: '', next };
    case 'assign':
      return { id, type, field: 'owner', pool: { users: [] }, strategy: 'roundRobin', next };
    case 'stop':
      return { id, type };
  }
}

/**
 * Puts a new step behind one handle of `anchor` (a step, or the trigger): what that handle led to follows the new
 * step (a new branch takes it on its "yes" side, a new switch on its first case; a stop ends there, so what
 * followed is dropped if nothing else reaches it).
 */
export function insertStep(
  def: WorkflowDefinition,
  anchor: string,
  handle: Handle,
  type: StepType,
): { definition: WorkflowDefinition; id: string } {
  const id = newStepId(def);
  const after = targetOf(def, anchor, handle);
  const step = blankStep(type, id, after);
  const steps = def.steps.map((s) => (s.id === anchor ? withTarget(s, handle, id) : s));
  const definition = pruneUnreachable({
    ...def,
    start: anchor === TRIGGER_NODE ? id : def.start,
    steps: [...steps, step],
  });
  return { definition, id };
}

/**
 * Removes a step and joins what led to it to what followed it (a branch's "yes" side, a switch's first case;
 * steps reachable only through its other ways go with it, and the editor says so before).
 */
export function removeStep(def: WorkflowDefinition, id: string): WorkflowDefinition {
  const step = def.steps.find((s) => s.id === id);
  if (!step) return def;
  const follow = outgoing(step)[0]?.target ?? null;
  const steps = def.steps
    .filter((s) => s.id !== id)
    .map((s) => {
      let out = s;
      for (const o of outgoing(s)) if (o.target === id) out = withTarget(out, o.handle, follow);
      return out;
    });
  const layout = def.layout
    ? Object.fromEntries(Object.entries(def.layout).filter(([k]) => k !== id))
    : undefined;
  return pruneUnreachable({
    ...def,
    start: def.start === id ? follow : def.start,
    steps,
    ...(layout ? { layout } : {}),
  });
}

/** The steps reachable from the start, in the order a walk meets them. */
export function reachable(def: WorkflowDefinition): string[] {
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const seen: string[] = [];
  const walk = (id: string | null) => {
    if (id === null || seen.includes(id)) return;
    const step = byId.get(id);
    if (!step) return;
    seen.push(id);
    for (const o of outgoing(step)) walk(o.target);
  };
  walk(def.start);
  return seen;
}

/** The definition with steps nothing reaches any more dropped (with their positions). */
function pruneUnreachable(def: WorkflowDefinition): WorkflowDefinition {
  const keep = new Set(reachable(def));
  if (keep.size === def.steps.length) return def;
  const layout = def.layout
    ? Object.fromEntries(Object.entries(def.layout).filter(([k]) => k === TRIGGER_NODE || keep.has(k)))
    : undefined;
  return { ...def, steps: def.steps.filter((s) => keep.has(s.id)), ...(layout ? { layout } : {}) };
}

/** Steps only `id` leads to (what deleting a branch takes with it), besides `id` itself. */
export function droppedWith(def: WorkflowDefinition, id: string): string[] {
  const after = new Set(reachable(removeStep(def, id)));
  return def.steps.map((s) => s.id).filter((s) => s !== id && !after.has(s));
}

/**
 * Removes a switch's case at an index: the later cases move up (their ways out with them), and steps only that case
 * reached go with it (the editor names them before).
 */
export function removeCase(def: WorkflowDefinition, id: string, index: number): WorkflowDefinition {
  const steps = def.steps.map((s) =>
    s.id === id && s.type === 'switch' && s.cases.length > 1
      ? { ...s, cases: s.cases.filter((_, i) => i !== index) }
      : s,
  );
  return pruneUnreachable({ ...def, steps });
}

/** Steps that removing a switch's case takes with it. */
export function droppedWithCase(def: WorkflowDefinition, id: string, index: number): string[] {
  const after = new Set(reachable(removeCase(def, id, index)));
  return reachable(def).filter((s) => !after.has(s));
}

export type GraphProblem =
  | { kind: 'duplicateId'; id: string }
  | { kind: 'missingTarget'; id: string; target: string }
  | { kind: 'unreachable'; id: string }
  | { kind: 'cycle'; id: string };

/** What keeps the steps from being one graph the engine can walk: ids, dangling links, orphans, loops. */
export function graphProblems(def: WorkflowDefinition): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const ids = new Set<string>();
  for (const s of def.steps) {
    if (ids.has(s.id)) problems.push({ kind: 'duplicateId', id: s.id });
    ids.add(s.id);
  }
  if (def.start !== null && !ids.has(def.start))
    problems.push({ kind: 'missingTarget', id: TRIGGER_NODE, target: def.start });
  for (const s of def.steps)
    for (const o of outgoing(s))
      if (o.target !== null && !ids.has(o.target))
        problems.push({ kind: 'missingTarget', id: s.id, target: o.target });
  const seen = new Set(reachable(def));
  for (const s of def.steps) if (!seen.has(s.id)) problems.push({ kind: 'unreachable', id: s.id });
  // A loop: a step met again on the path that led to it.
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const done = new Set<string>();
  const visit = (id: string | null, path: Set<string>) => {
    if (id === null || done.has(id)) return;
    if (path.has(id)) {
      problems.push({ kind: 'cycle', id });
      return;
    }
    const step = byId.get(id);
    if (!step) return;
    path.add(id);
    for (const o of outgoing(step)) visit(o.target, path);
    path.delete(id);
    done.add(id);
  };
  visit(def.start, new Set());
  return problems;
}

const ROW = 130;
const COLUMN = 300;

/**
 * Canvas positions, top-down: the stored ones, and for nodes without one a place under what leads to them (a
 * branch's "yes" side to the left, "no" to the right; a switch's cases side by side, in order, then otherwise).
 */
export function layoutOf(def: WorkflowDefinition): Record<string, { x: number; y: number }> {
  const stored = def.layout ?? {};
  const origin = stored[TRIGGER_NODE] ?? { x: 0, y: 0 };
  const out: Record<string, { x: number; y: number }> = { [TRIGGER_NODE]: origin };
  const byId = new Map(def.steps.map((s) => [s.id, s]));
  const place = (id: string | null, from: { x: number; y: number }, dx: number, spread: number) => {
    if (id === null || out[id]) return;
    const step = byId.get(id);
    if (!step) return;
    const at = stored[id] ?? { x: from.x + dx, y: from.y + ROW };
    out[id] = at;
    const ways = outgoing(step);
    // Two ways sit a spread either side; more sit at least a column apart, centred under the node.
    const gap = ways.length > 1 ? Math.max(COLUMN, (2 * spread) / (ways.length - 1)) : 0;
    ways.forEach((o, i) => {
      place(o.target, at, (i - (ways.length - 1) / 2) * gap, Math.max(spread / 2, COLUMN / 2));
    });
  };
  place(def.start, origin, 0, COLUMN);
  // Steps nothing reaches (an invalid definition) still show, in a row below.
  let x = 0;
  const lowest = Math.max(0, ...Object.values(out).map((p) => p.y));
  for (const s of def.steps) {
    if (out[s.id]) continue;
    out[s.id] = stored[s.id] ?? { x, y: lowest + ROW * 2 };
    x += COLUMN;
  }
  return out;
}
