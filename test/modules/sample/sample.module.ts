// A module that exists only for the tests: it plugs into Rabita through its manifest alone (an object with its
// own table, a route, a permission, an error code, record hooks, an in-transaction and an after-commit
// subscriber, a task run at a given time, a timeline source, an environment variable of its own), and is never
// shipped.
import {
  AppError,
  type AppErrorCode,
  contextOf,
  defineSettings,
  envSchema,
  envVariable,
  listRecords,
  type ModuleManifest,
  type ObjectDef,
  operatorPrincipal,
  type RecordEvent,
  type RouteDeps,
  scheduleJob,
  updateRecord,
} from '@rabita/core';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import * as sightingsMigration from './sample.migrations.ts';

// A shipped module declares its codes on `ErrorStatuses` (see auth.errors.ts), which modules/index.ts checks are
// all mapped; a module outside the shipped list declares them in its manifest only and names them when it throws.
const SAMPLE_REFUSED = 'sample_refused' as AppErrorCode;

const text = (key: string, column: string, extra: Partial<ObjectDef['fields'][number]> = {}) => ({
  key,
  column,
  type: 'text' as const,
  labels: { en: key },
  custom: false,
  required: false,
  unique: false,
  searchable: false,
  ...extra,
});

export const sightings: ObjectDef = {
  key: 'sightings',
  labels: { singular: { en: 'Sighting' }, plural: { en: 'Sightings' } },
  custom: false,
  table: 'sample_sightings',
  titleFields: ['name'],
  position: 900,
  fields: [
    text('name', 'name', { required: true, searchable: true, maxLength: 200 }),
    text('note', 'note', { maxLength: 500 }),
    {
      ...text('person', 'person_id'),
      type: 'relation',
      relation: { object: 'people', many: false },
    },
    { ...text('owner', 'owner_id'), type: 'user' },
  ],
};

/** What the after-commit subscriber saw, in order (the tests read it). */
export const committed: RecordEvent[] = [];

/**
 * What the sample's two slot-probe tasks did: the long one holds its slot until `release` is called; the quick one
 * only counts. The worker test uses them to see that long jobs have slots of their own.
 */
export const slotProbe = {
  longRunning: 0,
  longMostAtOnce: 0,
  longDone: 0,
  quickDone: 0,
  release: () => {},
  held: undefined as Promise<void> | undefined,
};
slotProbe.held = new Promise<void>((resolve) => {
  slotProbe.release = resolve;
});

/** The sample's own setting: a variable it declares, read with the platform's at start-up. */
export const sampleSettings = defineSettings({
  variables: {
    greeting: envVariable({
      name: 'RABITA_SAMPLE_GREETING',
      schema: envSchema.checkedText((v) => v.length <= 40, 'must be 40 characters at most'),
      default: 'hello',
      description: 'What the sample module greets with (a module of the tests only).',
    }),
  },
  build: (v) => ({ greeting: v.greeting }),
});

/** The greetings the sample's greeting task was run with, in order. */
export const greeted: string[] = [];

/** When the follow-up of each sighting was asked to run. */
export const FOLLOW_UP_DELAY_MS = 1500;

const routes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, settings }) => {
  app.get(
    '/sample/greeting',
    {
      config: { auth: 'required', permission: 'sample.use' },
      schema: { tags: ['sample'], response: { 200: z.object({ greeting: z.string() }) } },
    },
    async () => ({ greeting: settings.of(sampleSettings).greeting }),
  );
  app.get(
    '/sample/summary',
    {
      config: { auth: 'required', permission: 'sample.use' },
      schema: { tags: ['sample'], response: { 200: z.object({ sightings: z.number() }) } },
    },
    async (request) => {
      const page = await listRecords(contextOf(db, request), 'sightings', { limit: 1000 });
      return { sightings: page.data.length };
    },
  );
};

export const sampleModule: ModuleManifest = {
  key: 'sample',
  settings: sampleSettings,
  routes: [routes],
  objects: [sightings],
  migrations: { 'sample-0001-sightings': sightingsMigration },
  permissions: [{ action: 'sample.use', roles: ['member'] }],
  errors: { [SAMPLE_REFUSED]: 422 },
  hooks: [
    {
      object: 'sightings',
      async beforeCreate(_ctx, draft) {
        if (draft.values.name === 'forbidden')
          throw new AppError(SAMPLE_REFUSED, 'Nothing may be called "forbidden" here.');
        if (draft.values.note === undefined) draft.set('note', 'noted by hook');
      },
      async afterCreate(ctx, record) {
        await scheduleJob(ctx.trx, {
          task: 'rabita:sample-follow-up',
          key: `sighting:${record.id}`,
          runAt: new Date(Date.now() + FOLLOW_UP_DELAY_MS),
          payload: { sightingId: record.id },
        });
      },
    },
  ],
  subscribers: [
    {
      name: 'sample log',
      phase: 'transaction',
      objects: ['sightings'],
      async handle(ctx, events) {
        for (const e of events)
          await sql`insert into sample_log (workspace_id, record_id, kind, depth)
            values (${e.workspaceId}, ${e.recordId}, ${e.kind}, ${e.cause?.depth ?? null})`.execute(ctx.trx!);
      },
    },
    {
      name: 'sample fan-out',
      phase: 'afterCommit',
      objects: ['sightings'],
      async handle(_ctx, events) {
        committed.push(...events);
      },
    },
  ],
  tasks: {
    'rabita:sample-long': () => async () => {
      slotProbe.longRunning++;
      slotProbe.longMostAtOnce = Math.max(slotProbe.longMostAtOnce, slotProbe.longRunning);
      await slotProbe.held;
      slotProbe.longRunning--;
      slotProbe.longDone++;
    },
    'rabita:sample-quick': () => async () => {
      slotProbe.quickDone++;
    },
    'rabita:sample-greet': (deps) => async () => {
      greeted.push(deps.settings.of(sampleSettings).greeting);
    },
    'rabita:sample-follow-up': (deps) => async (payload, helpers) => {
      const { workspaceId, sightingId } = payload as { workspaceId: string; sightingId: string };
      const principal = await operatorPrincipal(deps.db, workspaceId);
      await updateRecord(
        { db: deps.db, principal },
        'sightings',
        sightingId,
        { note: 'followed up' },
        { cause: { kind: 'sample', runId: String(helpers.job.id), depth: 1 } },
      );
    },
  },
  longTasks: ['rabita:sample-long'],
  timelineSources: [
    {
      kind: 'sighting',
      object: 'sightings',
      entries(trx, subject, page) {
        if (subject.object !== 'people') return null;
        return sql<{ id: string; at: string }>`
          select id, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
          from sample_sightings
          where workspace_id = ${subject.workspaceId} and person_id = ${subject.recordId} and deleted_at is null
            ${page.before ? sql`and (created_at, id) < (${page.before.at}::timestamptz, ${page.before.id}::uuid)` : sql``}
          order by created_at desc, id desc limit ${page.limit}`
          .execute(trx.withoutPlugins())
          .then((r) => r.rows);
      },
      present: (view) => ({ name: view.name, note: view.note }),
    },
  ],
};
