import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { searchRecords } from './search.service.ts';

const hitSchema = z
  .object({
    object: z.string(),
    id: z.string(),
    title: z.string(),
    subtitle: z.string().nullable(),
    score: z.number(),
  })
  .meta({ id: 'SearchHit' });

/** One search box over every object. */
export const searchRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/search',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['search'],
        summary: 'Search all records the caller may read, ranked',
        description:
          'Matches every searchable field of every object: Arabic and Persian letter variants, digits, case and accents are folded on both sides; partial words and small typos match; a phone number in any written form finds its owner.',
        querystring: z.object({
          q: z.string().min(1).max(200),
          objects: z.string().max(2000).optional().describe('Comma-separated object keys; all when absent.'),
          limit: z.coerce.number().int().min(1).max(100).optional(),
        }),
        response: { 200: z.object({ data: z.array(hitSchema) }), 400: problemSchema, 401: problemSchema },
      },
    },
    async (request) => {
      const objects = request.query.objects
        ?.split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      const data = await searchRecords(contextOf(db, request), {
        q: request.query.q,
        objects: objects && objects.length > 0 ? objects : undefined,
        limit: request.query.limit,
      });
      return { data };
    },
  );
};
