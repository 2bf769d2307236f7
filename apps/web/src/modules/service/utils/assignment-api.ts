import { call, client } from '../../../api/client.ts';
import type { components, paths } from '../../../api/schema.gen.ts';

export type DeskAgent = components['schemas']['DeskAgent'];
export type DeskRule = components['schemas']['TicketAssignmentRule'];
export type NewDeskRule = NonNullable<
  paths['/api/v1/service/assignment-rules']['post']['requestBody']
>['content']['application/json'];
export type AgentPatch = NonNullable<
  paths['/api/v1/service/agents/{userId}']['patch']['requestBody']
>['content']['application/json'];
export type DeskStrategy = DeskRule['strategy'];

export const DESK_STRATEGIES: readonly DeskStrategy[] = ['roundRobin', 'leastLoad'];
export const DESK_LANGUAGES = ['ar', 'fa', 'en'] as const;

/** Query keys of ticket assignment. */
export const assignmentKeys = {
  agents: ['service', 'agents'] as const,
  rules: ['service', 'assignment-rules'] as const,
};

/** Ticket assignment through the typed client: each answer, or an ApiError with the server's problem. */
export const assignmentApi = {
  agents: async () => (await call(client.GET('/api/v1/service/agents'))).data,
  setAvailability: (userId: string, available: boolean) =>
    call(
      client.PUT('/api/v1/service/agents/{userId}/availability', {
        params: { path: { userId } },
        body: { available },
      }),
    ),
  updateAgent: (userId: string, body: AgentPatch) =>
    call(client.PATCH('/api/v1/service/agents/{userId}', { params: { path: { userId } }, body })),
  rules: async () => (await call(client.GET('/api/v1/service/assignment-rules'))).data,
  createRule: (body: NewDeskRule) => call(client.POST('/api/v1/service/assignment-rules', { body })),
  updateRule: (id: string, body: Partial<NewDeskRule>) =>
    call(client.PATCH('/api/v1/service/assignment-rules/{id}', { params: { path: { id } }, body })),
  reorderRules: (ids: string[]) =>
    call(client.POST('/api/v1/service/assignment-rules/reorder', { body: { ids } })),
  deleteRule: (id: string) =>
    call(client.DELETE('/api/v1/service/assignment-rules/{id}', { params: { path: { id } } })),
};
