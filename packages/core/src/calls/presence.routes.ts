import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { PRESENCE_STATES } from './presence.repository.ts';
import { getTeamPresence, setMyPresence } from './presence.service.ts';

const tags = ['calls'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

export const presenceSchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    state: z.enum(PRESENCE_STATES).describe('`available`, `away`, `on_call` or `wrap_up`.'),
    choice: z
      .enum(['available', 'away'])
      .describe('What the agent chose (shown again after a call and wrap-up).'),
    since: z.string().nullable().describe('When the state began, when known.'),
    until: z.string().nullable().describe('When a wrap-up ends.'),
    callId: z.string().nullable().describe('The call an agent on a call is on.'),
  })
  .meta({ id: 'AgentPresence' });

/** Agents' presence: the team's, and one's own choice. */
export const presenceRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/calls/presence',
    {
      config: { auth: 'required', permission: 'calls.read' },
      schema: {
        tags,
        summary: 'The agents’ presence (available, away, on a call, wrap-up) and the caller’s own',
        response: {
          200: z.object({ me: presenceSchema.nullable(), data: z.array(presenceSchema) }),
          ...problems,
        },
      },
    },
    async (request) => getTeamPresence(contextOf(db, request)),
  );
  app.put(
    '/calls/presence/me',
    {
      config: { auth: 'required', permission: 'calls.read' },
      schema: {
        tags,
        summary: 'Choose one’s own presence: available or away (a call in progress still shows “on a call”)',
        body: z.object({ state: z.enum(['available', 'away']) }).strict(),
        response: { 200: presenceSchema, ...problems },
      },
    },
    async (request) => setMyPresence(contextOf(db, request), request.body.state),
  );
};
