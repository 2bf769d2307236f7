import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { presenceSchema } from './presence.routes.ts';
import { getWall } from './wall.service.ts';

const tags = ['calls'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

const agentsByState = z.object({
  available: z.number(),
  away: z.number(),
  on_call: z.number(),
  wrap_up: z.number(),
});

const figures = {
  ringing: z.number().describe('Calls ringing at an agent’s extension now.'),
  waiting: z.number().describe('Calls ringing at no agent’s extension (waiting in the queue) now.'),
  active: z.number().describe('Calls answered and in progress now.'),
  held: z.number().describe('Calls on hold now.'),
  answered: z.number().describe('Calls ended today that were answered.'),
  missed: z.number(),
  abandoned: z.number(),
  other: z.number().describe('Calls ended today as voicemail, busy or failed.'),
  averageHandleSeconds: z
    .number()
    .nullable()
    .describe('Average talk time of today’s answered calls, in seconds (null when none).'),
  firstContactResolution: z
    .object({
      resolved: z.number(),
      sample: z.number().describe('Today’s answered calls.'),
      rate: z.number().nullable().describe('`resolved / sample`, 0–1 (null when none).'),
    })
    .nullable()
    .describe(
      'Today’s answered calls resolved at first contact: every ticket opened from the call was resolved at first contact (the service desk’s measure), or none was opened and no call or ticket from the same customer followed within `repeatDays`. Null when the reader may not see the tickets it is judged by.',
    ),
};

export const wallSchema = z
  .object({
    day: z.string().describe('Today in `timeZone` (`YYYY-MM-DD`).'),
    timeZone: z.string().describe('The workspace’s time zone (from its default country).'),
    repeatDays: z.number().describe('The first-contact window, in days (the service desk’s).'),
    queues: z.array(
      z.object({
        kind: z
          .enum(['queue', 'connection'])
          .describe('A queue, or the calls of a connection that went through no queue.'),
        id: z.string(),
        name: z.string(),
        queueId: z.string().nullable(),
        connectionId: z.string().nullable(),
        ...figures,
        agentsByState: agentsByState
          .nullable()
          .describe('A queue’s members by presence (null for a connection).'),
        serviceLevel: z
          .object({
            targetSeconds: z.number(),
            targetPercent: z.number(),
            abandoned: z.enum(['counted', 'ignored', 'ignoredShort']),
            answeredInTarget: z
              .number()
              .describe(
                'Calls answered within `targetSeconds` of ringing: ended today, or answered today and still in progress.',
              ),
            offered: z
              .number()
              .describe(
                'Calls measured against: answered (as above), and ended today missed, as voicemail, or abandoned as `abandoned` says.',
              ),
            rate: z.number().nullable().describe('`answeredInTarget / offered`, 0–1 (null when none).'),
          })
          .nullable()
          .describe(
            'A queue’s service level today against its target (null without a target, and for a connection).',
          ),
      }),
    ),
    totals: z.object(figures),
    agentsByState,
    agents: z.array(presenceSchema),
  })
  .meta({ id: 'CallWall' });

/** The supervisor wall (`calls.supervise`). */
export const wallRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/calls/wall',
    {
      config: { auth: 'required', permission: 'calls.supervise' },
      schema: {
        tags,
        summary:
          'The supervisor wall: calls ringing, waiting, active and on hold per queue (calls of no queue per connection), today’s outcomes, service level, average handle time and first-contact resolution, agents by state',
        response: { 200: wallSchema, ...problems },
      },
    },
    async (request) => getWall(contextOf(db, request)),
  );
};
