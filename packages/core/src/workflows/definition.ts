import { z } from 'zod';
import { storableString } from '../http/route-kit.ts';

/**
 * A workflow's definition: the contract between the editor, the API and the engine. A draft holds one; publishing
 * freezes it into a version, and every run executes the version it started on.
 *
 * Steps form a graph by id: each step names the step after it (`next`), a branch or switch one per outcome. Ids are
 * short and stable (`s1`, `s2`), so a run's step history still reads after the draft changes. The editor keeps
 * each step's position on the canvas in `layout`, which the engine ignores.
 *
 * Values a step writes are either literal (`{ value }`) or computed (`{ expr }`): an expression in CEL (the Common
 * Expression Language), evaluated over `record` (the trigger record as stored, by field key), `before` (its values
 * before an update), `steps` (earlier steps' outputs by id), `trigger` (the event) and `now`. Text with merge
 * fields writes `{{ expression }}` inside the text.
 */

export const STEP_ID = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,31}$/,
    'A step id is a lower-case letter, then letters, digits or _ (at most 32).',
  );

/** A literal value, or a CEL expression computed when the step runs. */
export const valueSource = z.union([
  z.object({ value: z.unknown() }).strict(),
  z.object({ expr: z.string().min(1).max(2000) }).strict(),
]);
export type ValueSource = z.infer<typeof valueSource>;

/** A record filter tree, as lists take it (`{ field, op, value }`, `and`, `or`, `not`); checked by the engine. */
const filterTree = z.record(z.string(), z.unknown());

/** A condition: a filter on the trigger record's current values, a CEL expression, or both (both must hold). */
export const condition = z
  .object({
    filter: filterTree.optional(),
    expr: z.string().min(1).max(2000).optional(),
  })
  .strict()
  .refine(
    (c) => c.filter !== undefined || c.expr !== undefined,
    'A condition needs a filter or an expression.',
  );

const fieldValues = z.record(z.string().min(1).max(63), valueSource);

export const trigger = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('record'),
      /** The object whose records start runs (`people`, `deals`, a custom object's key). */
      object: z.string().min(1).max(63),
      events: z.array(z.enum(['created', 'updated', 'deleted'])).min(1),
      /** On updates, only when one of these fields changed (any change when absent). */
      fields: z.array(z.string().min(1).max(63)).max(50).optional(),
      /** Only when the record's new values match this condition. */
      condition: condition.optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('schedule'),
      /** Five-field cron (minute hour day-of-month month day-of-week). */
      cron: z.string().min(9).max(100),
      /** IANA time zone the cron is read in (`Asia/Tehran`). */
      timeZone: z.string().min(1).max(64),
    })
    .strict(),
  z
    .object({
      type: z.literal('date'),
      /** The object whose records carry the date (`deals`). */
      object: z.string().min(1).max(63),
      /** A date or date-time field of it (`expectedCloseDate`); a run starts relative to its value. */
      field: z.string().min(1).max(63),
      /** How far from the field's value: negative is before (`-3` days), positive after. */
      offset: z
        .number()
        .int()
        .min(-366 * 24 * 60)
        .max(366 * 24 * 60),
      unit: z.enum(['days', 'minutes']),
      /** For days: the time of day (`09:00`, 24-hour) in the time zone; a date-time field keeps its own when absent. */
      at: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'A time of day is HH:MM, from 00:00 to 23:59.')
        .optional(),
      /** IANA time zone the day and time are read in; the workspace's (from its default country) when absent. */
      timeZone: z.string().min(1).max(64).optional(),
      /** For days: count only business days (the workspace country's weekend is skipped). */
      businessDays: z.boolean().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('manual'),
      /** The object whose records (one, or a list's selection) the button runs on. */
      object: z.string().min(1).max(63),
      /** The button's label. */
      label: z.string().min(1).max(100).optional(),
    })
    .strict(),
  z
    .object({
      /**
       * An inbound webhook: a signed POST to `/api/v1/hooks/{workspaceId}/workflows/{workflowId}` starts a run,
       * its JSON body readable in expressions as `trigger.payload` (no record; steps create or find one).
       */
      type: z.literal('webhook'),
    })
    .strict(),
  z
    .object({
      /**
       * A module's event (`sales.formSubmitted`, `email.received`; `GET /workflows/events` lists them): a run on
       * the event's record, its payload readable as `trigger.payload`.
       */
      type: z.literal('event'),
      event: z.string().min(1).max(100),
      /** The record's object: the event's own, or the one chosen when the event's object varies (a form's target). */
      object: z.string().min(1).max(63),
      /** Only when the record (and `trigger.payload`) match this condition. */
      condition: condition.optional(),
    })
    .strict(),
  z
    .object({
      /** Started by another workflow's `runWorkflow` step, on the caller's record when it is of this object. */
      type: z.literal('called'),
      object: z.string().min(1).max(63).optional(),
    })
    .strict(),
]);
/** The object a trigger's runs are about, if any (schedules and webhooks have none). */
export function triggerObjectOf(t: Trigger): string | undefined {
  return 'object' in t ? t.object : undefined;
}
export type Trigger = z.infer<typeof trigger>;

/**
 * The records related to a run's record that a step goes over: those of `object` whose field `via` points at it (a
 * company's people), matching `filter` (the lists' filter tree), at most `limit` of them, in id order.
 */
const relatedRecords = {
  object: z.string().min(1).max(63),
  via: z.string().min(1).max(63),
  filter: z.record(z.string(), z.unknown()).optional(),
  limit: z.number().int().min(1).max(500).default(100),
};
export type RelatedRecords = {
  object: string;
  via: string;
  filter?: Record<string, unknown> | undefined;
  limit: number;
};

const next = STEP_ID.nullable().optional();
const base = { id: STEP_ID, name: z.string().max(200).optional(), next };

export const step = z.discriminatedUnion('type', [
  z
    .object({
      ...base,
      type: z.literal('updateRecord'),
      /** The trigger record, or the record a relation field of it points to. */
      target: z.union([z.literal('trigger'), z.object({ relation: z.string().min(1).max(63) }).strict()]),
      values: fieldValues,
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('createRecord'),
      /** Any object, standard or custom (`tasks` for a task, `activities` for a note). */
      object: z.string().min(1).max(63),
      values: fieldValues,
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('notify'),
      /** Users to notify: user ids, or expressions giving ids (`record.owner`). */
      users: z.array(valueSource).min(1).max(50),
      /** The message, with `{{ }}` merge fields. */
      message: z.string().min(1).max(2000),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('sendEmail'),
      /** Recipient addresses: literals or expressions (`record.emails[0]`). */
      to: z.array(valueSource).min(1).max(50),
      subject: z.string().min(1).max(500).optional(),
      /** Plain text with `{{ }}` merge fields. */
      body: z.string().min(1).max(50_000).optional(),
      /**
       * An email template (the email module's) instead of `subject` and `body`: rendered for the run's record as
       * the run may read it, in the recipient's language when the template has it.
       */
      templateId: z.string().uuid().optional(),
      /**
       * Sent from this shared mailbox through the email module (queued with the step, threaded, linked to the
       * record, tracked like a member's mail); through the server's own SMTP transport when absent.
       */
      mailboxId: z.string().uuid().optional(),
      /** The same email in other languages; the recipient's language picks one (else `subject` and `body`). */
      translations: z
        .partialRecord(
          z.enum(['en', 'ar', 'fa']),
          z.object({ subject: z.string().min(1).max(500), body: z.string().min(1).max(50_000) }).strict(),
        )
        .optional(),
      /** The recipient's language code: a value or expression; `record.preferredLanguage` when absent. */
      language: valueSource.optional(),
    })
    .strict()
    .refine(
      (s) => s.templateId !== undefined || (s.subject !== undefined && s.body !== undefined),
      'An email needs a template, or a subject and a body.',
    ),
  z
    .object({
      ...base,
      type: z.literal('wait'),
      /** A duration, or until a time (an expression giving a date-time, e.g. from a field). */
      minutes: z
        .number()
        .int()
        .min(1)
        .max(60 * 24 * 366)
        .optional(),
      until: valueSource.optional(),
    })
    .strict()
    .refine(
      (s) => (s.minutes === undefined) !== (s.until === undefined),
      'A wait needs minutes or until, not both.',
    ),
  z
    .object({
      id: STEP_ID,
      name: z.string().max(200).optional(),
      type: z.literal('branch'),
      condition,
      /** The step when the condition holds, and when it does not (null ends the run). */
      whenTrue: STEP_ID.nullable(),
      whenFalse: STEP_ID.nullable(),
    })
    .strict(),
  z
    .object({
      id: STEP_ID,
      name: z.string().max(200).optional(),
      /**
       * Goes one of several ways by a value: `value` is computed once, compared with each case's `equals` (a number
       * equals the same number however CEL wrote it, text only the same text) and the run goes to the first
       * match's `next`, else to `otherwise` (null ends the run).
       */
      type: z.literal('switch'),
      value: z.object({ expr: storableString().min(1).max(2000) }).strict(),
      cases: z
        .array(
          z
            .object({
              equals: z.union([storableString().max(500), z.number(), z.boolean()]),
              next: STEP_ID.nullable(),
              /** The words on the case's way out in the editor (its value when absent). */
              label: storableString().trim().min(1).max(100).optional(),
            })
            .strict(),
        )
        .min(1)
        .max(20),
      otherwise: STEP_ID.nullable(),
    })
    .strict(),
  z
    .object({
      ...base,
      type: z.literal('webhook'),
      url: z.string().url().max(2000),
      method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
      /** A JSON body: a CEL expression giving an object (the record by default). */
      body: valueSource.optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      /**
       * Updates each record of `object` whose field `via` points at the run's record (a company's people), at
       * most `limit` of them, matching `filter` (the lists' filter tree); values may read the record at hand as
       * `item` (`item.firstName + " at " + record.name`).
       */
      type: z.literal('updateRelated'),
      ...relatedRecords,
      values: fieldValues,
    })
    .strict(),
  z
    .object({
      ...base,
      /**
       * Waits until the run's record changes (the next step: `next`), or at most `timeoutMinutes` (then
       * `whenTimeout`): "wait until the customer replies, else remind in two days".
       */
      type: z.literal('waitFor'),
      events: z
        .array(z.enum(['updated', 'deleted']))
        .min(1)
        .default(['updated']),
      /** Only a change of one of these fields (any field when absent). */
      fields: z.array(z.string().min(1).max(63)).max(50).optional(),
      /** Only when this holds on the record after the change (`record`, `before`). */
      condition: z
        .object({ expr: z.string().min(1).max(2000) })
        .strict()
        .optional(),
      timeoutMinutes: z.number().int().min(1).max(525_600),
      whenTimeout: STEP_ID.nullable().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      /**
       * Starts another workflow (its trigger `called`, published and on), on this run's record when the other
       * workflow's trigger names the same object, and goes on at once (it does not wait for that run). With
       * `forEach`, it starts one run on each related record instead (a loop whose body is the called workflow's
       * steps, each record's run carried, retried and checkpointed on its own).
       */
      type: z.literal('runWorkflow'),
      workflowId: z.string().uuid(),
      forEach: z.object(relatedRecords).strict().optional(),
    })
    .strict(),
  z
    .object({
      ...base,
      /**
       * Sets a person field of the run's record (its owner by default) to one member of a pool: in turn (round
       * robin, or weighted), or the one holding the fewest records of that object. Members marked away are skipped.
       */
      type: z.literal('assign'),
      field: z.string().min(1).max(63).default('owner'),
      pool: z.union([
        z.object({ teamId: z.string().uuid() }).strict(),
        z.object({ users: z.array(z.string().uuid()).min(1).max(100) }).strict(),
      ]),
      strategy: z.enum(['roundRobin', 'weighted', 'leastLoad']).default('roundRobin'),
      /** For `weighted`: a member's share of turns (1–100; 1 when absent). */
      weights: z.record(z.string().uuid(), z.number().int().min(1).max(100)).optional(),
    })
    .strict(),
  z
    .object({
      id: STEP_ID,
      name: z.string().max(200).optional(),
      type: z.literal('stop'),
    })
    .strict(),
]);
export type Step = z.infer<typeof step>;

export const definition = z
  .object({
    trigger,
    /** The first step (null: a workflow that does nothing yet). */
    start: STEP_ID.nullable(),
    steps: z.array(step).max(200),
    /** Canvas positions by step id (and `trigger`); the engine ignores them. */
    layout: z.record(z.string(), z.object({ x: z.number(), y: z.number() }).strict()).optional(),
  })
  .strict();
export type WorkflowDefinition = z.infer<typeof definition>;

export const settings = z
  .object({
    /**
     * Whose rights the run's steps have: the workflow's owner, the user who started it (manual runs), or a role
     * (`{role: <roleId>}`): a service acting as the workflow, with exactly that role's permissions, never more
     * than whoever saved or published it, nor than the owner when it runs.
     */
    runAs: z
      .union([z.enum(['owner', 'starter']), z.object({ role: z.string().uuid() }).strict()])
      .default('owner'),
    /** Runs of this workflow for one record: side by side, one after another, or a new one skipped while one runs. */
    concurrency: z.enum(['parallel', 'queue', 'skip']).default('parallel'),
    /** Whether a record may start a run again after a finished one, and after how long. */
    reenrol: z
      .object({ allowed: z.boolean(), cooldownMinutes: z.number().int().min(0).max(525_600) })
      .strict()
      .default({ allowed: false, cooldownMinutes: 0 }),
    /**
     * At most this many emails from this workflow to one address within `hours`; the step leaves out an address
     * that had them (saying so in its output) and the run goes on.
     */
    emailLimit: z
      .object({
        perRecipient: z.number().int().min(1).max(1000),
        hours: z
          .number()
          .int()
          .min(1)
          .max(24 * 365),
      })
      .strict()
      .default({ perRecipient: 3, hours: 24 }),
  })
  .strict();
export type WorkflowSettings = z.infer<typeof settings>;

export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'cancelled',
  'skipped',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const STEP_STATUSES = ['running', 'succeeded', 'failed', 'skipped', 'waiting'] as const;
