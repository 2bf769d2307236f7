import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';

export type AgentPresence = components['schemas']['AgentPresence'];
export type PresenceState = AgentPresence['state'];
export type CallWall = components['schemas']['CallWall'];

/** The presence states in the order screens list them. */
export const PRESENCE_STATES: readonly PresenceState[] = ['available', 'on_call', 'wrap_up', 'away'];

/** Query keys of presence and the supervisor wall. */
export const presenceKeys = {
  team: ['calls', 'presence'] as const,
  wall: ['calls', 'wall'] as const,
};

/** Presence and the wall through the typed client. */
export const presenceApi = {
  team: () => call(client.GET('/api/v1/calls/presence')),
  choose: (state: 'available' | 'away') => call(client.PUT('/api/v1/calls/presence/me', { body: { state } })),
  wall: () => call(client.GET('/api/v1/calls/wall')),
};

/** The earliest wrap-up end among these agents: when their presence turns by itself, with no event to say so. */
export function nextWrapUpEnd(agents: readonly AgentPresence[]): number | undefined {
  const ends = agents
    .map((a) => (a.until ? Date.parse(a.until) : Number.NaN))
    .filter((n) => !Number.isNaN(n));
  return ends.length > 0 ? Math.min(...ends) : undefined;
}
