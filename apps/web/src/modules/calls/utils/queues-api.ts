import { ApiError, call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';

export type CallQueue = components['schemas']['CallQueue'];
export type QueueInput = NonNullable<
  paths['/api/v1/calls/queues']['post']['requestBody']
>['content']['application/json'];

export type ServiceLevel = components['schemas']['CallQueueServiceLevel'];
/** How a queue's abandoned calls count toward its service level. */
export const ABANDONED_RULES = [
  'counted',
  'ignoredShort',
  'ignored',
] as const satisfies readonly ServiceLevel['abandoned'][];

/** Query keys of call queues. */
export const queueKeys = {
  all: ['calls', 'queues'] as const,
};

/** Call queues through the typed client: each answer, or an ApiError with the server's problem. */
export const queuesApi = {
  list: async () => (await call(client.GET('/api/v1/calls/queues'))).data,
  create: (body: QueueInput) => call(client.POST('/api/v1/calls/queues', { body })),
  update: (id: string, body: Partial<QueueInput>) =>
    call(client.PATCH('/api/v1/calls/queues/{id}', { params: { path: { id } }, body })),
  remove: (id: string) => call(client.DELETE('/api/v1/calls/queues/{id}', { params: { path: { id } } })),
};

/** The API's first problem with any item of a list field (`keys.2`, `members.0`), to show under that input. */
export function listError(error: unknown, field: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.errors.find((e) => e.field === `body.${field}` || e.field.startsWith(`body.${field}.`))
    ?.message;
}
