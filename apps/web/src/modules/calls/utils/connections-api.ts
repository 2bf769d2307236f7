import { call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';

export type CallConnection = components['schemas']['CallConnection'];
export type ConnectionInput = NonNullable<
  paths['/api/v1/calls/connections']['post']['requestBody']
>['content']['application/json'];
export type ConnectionType = ConnectionInput['type'];

/** The kinds of phone system a connection may be, in the order the form offers them. */
export const CONNECTION_TYPES: readonly ConnectionType[] = [
  'generic',
  'asterisk-ami',
  'asterisk-ari',
  'twilio',
  '3cx',
];

/** Where phone systems post their call events, and the headers the route reads. */
export const CALL_EVENTS_PATH = '/api/v1/calls/events';

/** Query keys of phone connections. */
export const connectionKeys = {
  all: ['calls', 'connections'] as const,
};

/** Phone connections through the typed client: each answer, or an ApiError with the server's problem. */
export const connectionsApi = {
  list: async () => (await call(client.GET('/api/v1/calls/connections'))).data,
  create: (body: ConnectionInput) => call(client.POST('/api/v1/calls/connections', { body })),
  update: (id: string, body: Partial<ConnectionInput>) =>
    call(client.PATCH('/api/v1/calls/connections/{id}', { params: { path: { id } }, body })),
  remove: (id: string) => call(client.DELETE('/api/v1/calls/connections/{id}', { params: { path: { id } } })),
};
