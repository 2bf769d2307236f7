// The workflow definition's shape, as packages/core/src/workflows/definition.ts declares it. Kept here only until
// the generated API types (schema.gen.ts) carry the workflow routes; then these become
// `components['schemas'][…]` and this file goes.

export type ValueSource = { value: unknown } | { expr: string };

export interface Condition {
  filter?: Record<string, unknown>;
  expr?: string;
}

export type Trigger =
  | {
      type: 'record';
      object: string;
      events: ('created' | 'updated' | 'deleted')[];
      fields?: string[];
      condition?: Condition;
    }
  | { type: 'schedule'; cron: string; timeZone: string }
  | { type: 'manual'; object: string; label?: string };

interface Base {
  id: string;
  name?: string;
  next?: string | null;
}

export type Step =
  | (Base & {
      type: 'updateRecord';
      target: 'trigger' | { relation: string };
      values: Record<string, ValueSource>;
    })
  | (Base & { type: 'createRecord'; object: string; values: Record<string, ValueSource> })
  | (Base & { type: 'notify'; users: ValueSource[]; message: string })
  | (Base & { type: 'sendEmail'; to: ValueSource[]; subject: string; body: string })
  | (Base & { type: 'wait'; minutes?: number; until?: ValueSource })
  | {
      id: string;
      name?: string;
      type: 'branch';
      condition: Condition;
      whenTrue: string | null;
      whenFalse: string | null;
    }
  | (Base & { type: 'webhook'; url: string; method?: 'POST' | 'PUT' | 'PATCH'; body?: ValueSource })
  | { id: string; name?: string; type: 'stop' };

export interface WorkflowDefinition {
  trigger: Trigger;
  start: string | null;
  steps: Step[];
  layout?: Record<string, { x: number; y: number }>;
}

export interface WorkflowSettings {
  runAs: 'owner' | 'starter';
  concurrency: 'parallel' | 'queue' | 'skip';
  reenrol: { allowed: boolean; cooldownMinutes: number };
}
