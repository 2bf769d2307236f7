import { type Principal, servicePrincipal } from '../auth/principal.ts';

/**
 * The principal the desk's own writes are made as (a ticket opened by a reply, its SLA fields kept): no person,
 * allowed to read and update tickets and nothing else.
 */
export function deskPrincipal(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: '00000000-0000-0000-0000-000000000000',
    key: 'serviceDesk',
    name: 'Service desk',
    permissions: {
      actions: [],
      objects: { tickets: { read: true, create: false, update: true, delete: false } },
    },
  });
}
