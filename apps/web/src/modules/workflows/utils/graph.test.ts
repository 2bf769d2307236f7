import { describe, expect, it } from 'vitest';
import {
  blankStep,
  caseHandle,
  droppedWith,
  droppedWithCase,
  graphProblems,
  insertStep,
  layoutOf,
  outgoing,
  reachable,
  removeCase,
  removeStep,
  STEP_TYPES,
  TRIGGER_NODE,
} from './graph.ts';
import { missingInStep, missingInTrigger } from './incomplete.ts';
import type { WorkflowDefinition } from './workflow-types.ts';

/** The seeds' thank-you note: a deal won; large ones get an email, the rest a task; then the owner is told. */
function buildDefinition(overrides: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return {
    trigger: { type: 'record', object: 'deals', events: ['updated'], fields: ['stage'] },
    start: 's1',
    steps: [
      {
        id: 's1',
        type: 'branch',
        condition: { expr: 'record.amount.amount > 10000' },
        whenTrue: 's2',
        whenFalse: 's3',
      },
      {
        id: 's2',
        type: 'sendEmail',
        to: [{ expr: 'record.emails[0]' }],
        subject: 'Thank you',
        body: 'Hi',
        next: 's4',
      },
      { id: 's3', type: 'createRecord', object: 'tasks', values: { title: { value: 'Call' } }, next: 's4' },
      { id: 's4', type: 'notify', users: [{ expr: 'record.owner' }], message: 'Done', next: null },
    ],
    ...overrides,
  };
}

describe('workflow graph', () => {
  it('finds nothing wrong with a definition whose branch sides meet again', () => {
    expect(graphProblems(buildDefinition())).toEqual([]);
    expect(reachable(buildDefinition())).toEqual(['s1', 's2', 's4', 's3']);
  });

  it('names dangling links, orphans, repeated ids and loops', () => {
    const def = buildDefinition();
    const broken: WorkflowDefinition = {
      ...def,
      steps: [
        ...def.steps.map((s) => (s.id === 's4' ? { ...s, next: 's1' } : s)),
        { id: 's9', type: 'stop' },
        { id: 's9', type: 'wait', minutes: 5, next: 'nowhere' },
      ],
    };
    const kinds = graphProblems(broken).map((p) => `${p.kind}:${p.id}`);
    expect(kinds).toEqual(
      expect.arrayContaining(['duplicateId:s9', 'missingTarget:s9', 'unreachable:s9', 'cycle:s1']),
    );
  });

  it('inserts a step after the trigger, after a step, and on either side of a branch, keeping the graph valid', () => {
    let def = buildDefinition();
    const first = insertStep(def, TRIGGER_NODE, 'next', 'wait');
    def = first.definition;
    expect(first.id).toBe('s5');
    expect(def.start).toBe('s5');
    expect(def.steps.find((s) => s.id === 's5')).toMatchObject({ type: 'wait', next: 's1' });

    const onNo = insertStep(def, 's1', 'no', 'updateRecord');
    def = onNo.definition;
    expect(def.steps.find((s) => s.id === 's1')).toMatchObject({ whenTrue: 's2', whenFalse: 's6' });
    expect(def.steps.find((s) => s.id === 's6')).toMatchObject({ next: 's3' });

    const branch = insertStep(def, 's4', 'next', 'branch');
    def = branch.definition;
    expect(def.steps.find((s) => s.id === 's7')).toMatchObject({
      type: 'branch',
      whenTrue: null,
      whenFalse: null,
    });
    expect(def.steps.find((s) => s.id === 's4')).toMatchObject({ next: 's7' });
    expect(graphProblems(def)).toEqual([]);
    expect(def.steps).toHaveLength(7);
  });

  it('inserting a stop drops what only it cut off', () => {
    const { definition } = insertStep(buildDefinition(), 's3', 'next', 'stop');
    // s4 is still reached through the "yes" side, so nothing is lost.
    expect(definition.steps.map((s) => s.id).sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(graphProblems(definition)).toEqual([]);
  });

  it('deletes a step and joins what led to it to what followed it', () => {
    const def = removeStep(buildDefinition({ layout: { s2: { x: 1, y: 2 }, s4: { x: 0, y: 300 } } }), 's2');
    expect(def.steps.find((s) => s.id === 's1')).toMatchObject({ whenTrue: 's4', whenFalse: 's3' });
    expect(def.layout).toEqual({ s4: { x: 0, y: 300 } });
    expect(graphProblems(def)).toEqual([]);
  });

  it('deletes the first step: the trigger leads to its next', () => {
    const withWait = insertStep(buildDefinition(), TRIGGER_NODE, 'next', 'wait').definition;
    const def = removeStep(withWait, 's5');
    expect(def.start).toBe('s1');
    expect(graphProblems(def)).toEqual([]);
  });

  it('deleting a branch keeps its "yes" side and drops what only its "no" side reached', () => {
    const def = buildDefinition({
      steps: [
        { id: 's1', type: 'branch', condition: { expr: 'true' }, whenTrue: 's2', whenFalse: 's3' },
        { id: 's2', type: 'stop' },
        { id: 's3', type: 'wait', minutes: 10, next: 's4' },
        { id: 's4', type: 'stop' },
      ],
    });
    expect(droppedWith(def, 's1')).toEqual(['s3', 's4']);
    const after = removeStep(def, 's1');
    expect(after.start).toBe('s2');
    expect(after.steps.map((s) => s.id)).toEqual(['s2']);
    expect(graphProblems(after)).toEqual([]);
  });

  it("lays out top-down, a branch's sides apart, keeping stored positions", () => {
    const at = layoutOf(buildDefinition({ layout: { s3: { x: 999, y: 42 } } }));
    expect(at[TRIGGER_NODE]).toEqual({ x: 0, y: 0 });
    expect(at.s1?.y).toBeGreaterThan(0);
    expect(at.s2!.x).toBeLessThan(at.s1!.x);
    expect(at.s3).toEqual({ x: 999, y: 42 });
    expect(at.s4!.y).toBeGreaterThan(at.s2!.y);
  });
});

/** Leads by campaign: two campaigns their own way (one labelled), the rest a third; all meet at the end. */
function buildSwitchDefinition(): WorkflowDefinition {
  return {
    trigger: { type: 'webhook' },
    start: 'sw',
    steps: [
      {
        id: 'sw',
        type: 'switch',
        value: { expr: 'trigger.payload.utmCampaign' },
        cases: [
          { equals: 'nowruz', next: 'a', label: 'نوروز' },
          { equals: 1405, next: 'b' },
        ],
        otherwise: 'c',
      },
      { id: 'a', type: 'wait', minutes: 5, next: 'end' },
      { id: 'b', type: 'wait', minutes: 10, next: 'end' },
      { id: 'c', type: 'wait', minutes: 15, next: null },
      { id: 'end', type: 'stop' },
    ],
  };
}

describe('a switch on the canvas', () => {
  it('has one way out per case, labelled by its label or value, then otherwise', () => {
    const def = buildSwitchDefinition();
    expect(outgoing(def.steps[0]!)).toEqual([
      { handle: 'case-0', target: 'a', label: 'نوروز' },
      { handle: 'case-1', target: 'b', label: '1405' },
      { handle: 'otherwise', target: 'c' },
    ]);
    expect(graphProblems(def)).toEqual([]);
    expect(reachable(def)).toEqual(['sw', 'a', 'end', 'b', 'c']);
  });

  it('finds a loop that only a later case leads into', () => {
    const def = buildSwitchDefinition();
    const looped = { ...def, steps: def.steps.map((s) => (s.id === 'b' ? { ...s, next: 'sw' } : s)) };
    expect(graphProblems(looped)).toEqual([{ kind: 'cycle', id: 'sw' }]);
  });

  it('inserts a step behind a case or otherwise: what that way led to follows the new step', () => {
    const behindCase = insertStep(buildSwitchDefinition(), 'sw', caseHandle(1), 'notify');
    expect(behindCase.id).toBe('s1');
    expect(behindCase.definition.steps.find((s) => s.id === 'sw')).toMatchObject({
      cases: [{ next: 'a' }, { next: 's1' }],
      otherwise: 'c',
    });
    expect(behindCase.definition.steps.find((s) => s.id === 's1')).toMatchObject({ next: 'b' });
    const behindOtherwise = insertStep(behindCase.definition, 'sw', 'otherwise', 'wait');
    expect(behindOtherwise.definition.steps.find((s) => s.id === 'sw')).toMatchObject({ otherwise: 's2' });
    expect(behindOtherwise.definition.steps.find((s) => s.id === 's2')).toMatchObject({ next: 'c' });
    expect(graphProblems(behindOtherwise.definition)).toEqual([]);
  });

  it('a new switch takes what followed on its first case, with two cases to fill in and no otherwise', () => {
    const { definition, id } = insertStep(buildDefinition(), 's2', 'next', 'switch');
    expect(definition.steps.find((s) => s.id === id)).toEqual({
      id,
      type: 'switch',
      value: { expr: '' },
      cases: [
        { equals: '', next: 's4' },
        { equals: '', next: null },
      ],
      otherwise: null,
    });
    expect(graphProblems(definition)).toEqual([]);
    expect(missingInStep(definition.steps.find((s) => s.id === id)!)).toEqual(['value', 'cases']);
  });

  it('deleting a switch keeps what its first case led to and drops what only its other ways reached', () => {
    const def = buildSwitchDefinition();
    expect(droppedWith(def, 'sw')).toEqual(['b', 'c']);
    const after = removeStep(def, 'sw');
    expect(after.start).toBe('a');
    expect(after.steps.map((s) => s.id)).toEqual(['a', 'end']);
    expect(graphProblems(after)).toEqual([]);
  });

  it('removing a case moves the later ones up and drops only what that case alone reached', () => {
    const def = { ...buildSwitchDefinition(), layout: { b: { x: 5, y: 5 }, c: { x: 9, y: 9 } } };
    // "end" is still reached through the first case.
    expect(droppedWithCase(def, 'sw', 1)).toEqual(['b']);
    const after = removeCase(def, 'sw', 1);
    expect(after.steps.find((s) => s.id === 'sw')).toMatchObject({
      cases: [{ equals: 'nowruz', next: 'a' }],
      otherwise: 'c',
    });
    expect(after.steps.map((s) => s.id)).toEqual(['sw', 'a', 'c', 'end']);
    expect(after.layout).toEqual({ c: { x: 9, y: 9 } });
    expect(graphProblems(after)).toEqual([]);
    // The first case moves up when an earlier one goes; the last case cannot go.
    const firstGone = removeCase(def, 'sw', 0);
    expect(outgoing(firstGone.steps.find((s) => s.id === 'sw')!).map((o) => [o.handle, o.target])).toEqual([
      ['case-0', 'b'],
      ['otherwise', 'c'],
    ]);
    expect(removeCase(removeCase(def, 'sw', 0), 'sw', 0).steps.find((s) => s.id === 'sw')).toMatchObject({
      cases: [{ equals: 1405 }],
    });
  });

  it('lays the cases out side by side in order, otherwise on the right, under the switch', () => {
    const at = layoutOf(buildSwitchDefinition());
    expect(at.a!.x).toBeLessThan(at.b!.x);
    expect(at.b!.x).toBeLessThan(at.c!.x);
    expect(at.b!.x).toBe(at.sw!.x);
    expect(at.a!.y).toBeGreaterThan(at.sw!.y);
    expect(at.b!.x - at.a!.x).toBeGreaterThanOrEqual(300);
  });
});

describe('unfinished steps', () => {
  it('a new step of each kind names what it still needs, and a filled one needs nothing', () => {
    const missing = Object.fromEntries(
      STEP_TYPES.map((type) => [type, missingInStep(blankStep(type, 's1', null))]),
    );
    expect(missing).toEqual({
      updateRecord: [],
      createRecord: [],
      updateRelated: ['via'],
      notify: ['message'],
      sendEmail: ['to', 'subject', 'body'],
      wait: [],
      waitFor: [],
      branch: ['condition'],
      switch: ['value', 'cases'],
      webhook: ['url'],
      assign: ['pool'],
      runWorkflow: ['workflowId'],
      stop: [],
    });
    for (const step of buildDefinition().steps) expect(missingInStep(step)).toEqual([]);
    expect(missingInTrigger({ type: 'record', object: 'deals', events: [] })).toEqual(['events']);
    expect(missingInTrigger({ type: 'schedule', cron: '0 8 * * 6', timeZone: 'Asia/Tehran' })).toEqual([]);
    expect(missingInTrigger({ type: 'webhook' })).toEqual([]);
    expect(missingInTrigger({ type: 'event', event: 'sales.formSubmitted', object: 'leads' })).toEqual([]);
    expect(missingInTrigger({ type: 'event', event: '', object: 'leads' })).toEqual(['event']);
    expect(
      missingInTrigger({ type: 'event', event: 'email.received', object: 'people', condition: {} }),
    ).toEqual(['condition']);
    expect(missingInTrigger({ type: 'called' })).toEqual([]);
    // A loop over related records still needs the field pointing at the run's record.
    const loop = { id: 's1', type: 'runWorkflow', workflowId: 'w', next: null } as const;
    expect(missingInStep({ ...loop, forEach: { object: 'people', via: '', limit: 10 } })).toEqual([
      'forEach',
    ]);
    expect(missingInStep({ ...loop, forEach: { object: 'people', via: 'company', limit: 10 } })).toEqual([]);
  });
});
