import { describe, expect, it } from 'vitest';
import {
  blankStep,
  droppedWith,
  graphProblems,
  insertStep,
  layoutOf,
  reachable,
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
  });
});
