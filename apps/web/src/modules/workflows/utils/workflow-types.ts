import type { components } from '../../../api/schema.gen.ts';

// The server's own shapes, from its OpenAPI document (schema.gen.ts): never re-declared here.
type Schemas = components['schemas'];

export type Workflow = Schemas['Workflow'];
export type WorkflowVersion = Schemas['WorkflowVersion'];
export type WorkflowRun = Schemas['WorkflowRun'];
export type StepRun = Schemas['WorkflowStepRun'];
/** What a test run says of one step: what went in and what it would do (nothing is written or sent). */
export type TestStep = Schemas['WorkflowTestStep'];
export type RunStatus = WorkflowRun['status'];

export type WorkflowDefinition = Workflow['draft'];
export type WorkflowSettings = Workflow['settings'];
export type Trigger = WorkflowDefinition['trigger'];
export type Step = WorkflowDefinition['steps'][number];
export type Condition = Extract<Step, { type: 'branch' }>['condition'];
/** A value a step writes: a literal, or a CEL expression computed when the step runs. */
export type ValueSource = Extract<Step, { type: 'updateRecord' }>['values'][string];
