import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  answerSurvey,
  getSurveySettings,
  putSurveySettings,
  type SurveyPage,
  surveyPage,
  ticketSurveys,
} from './csat.service.ts';
import { localDigits } from './survey-kit.ts';
import { type SurveyPage as SharedSurveyPage, surveyPages } from './survey-page.ts';

const tags = ['service'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const settingsSchema = z
  .object({
    csatEnabled: z.boolean(),
    csatDelayMinutes: z.number().int().min(0).max(10_080),
    csatExpiryDays: z.number().int().min(1).max(90),
  })
  .meta({ id: 'SurveySettings' });
const iso = z.string().nullable();

/** The desk's satisfaction surveys: settings, a ticket's surveys. */
export const csatRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/surveys/settings',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Whether resolved tickets are surveyed, after how long, and for how long',
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => getSurveySettings(contextOf(db, request)),
  );
  app.put(
    '/service/surveys/settings',
    {
      config: { auth: 'required', permission: 'service.channels.manage' },
      schema: {
        tags,
        summary: 'Turn the satisfaction survey on or off, its delay and its expiry',
        body: settingsSchema.strict(),
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => putSurveySettings(contextOf(db, request), request.body),
  );
  app.get(
    '/tickets/:id/surveys',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'A ticket’s satisfaction surveys, one per resolution, newest first',
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.object({
            data: z.array(
              z
                .object({
                  id: z.string(),
                  cycle: z.number().int(),
                  status: z.enum(['scheduled', 'sent', 'answered', 'cancelled', 'expired', 'skipped']),
                  reason: z.string().nullable(),
                  rating: z.number().int().nullable(),
                  comment: z.string().nullable(),
                  resolved: z.boolean().nullable(),
                  sendAt: z.string(),
                  sentAt: iso,
                  expiresAt: iso,
                  answeredAt: iso,
                  followUpTaskId: z.string().nullable(),
                })
                .meta({ id: 'TicketSurvey' }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await ticketSurveys(contextOf(db, request), request.params.id) }),
  );
};

// The customer's side of first-contact resolution (metrics.service.ts): optional, asked beside the rating.
const RESOLVED = {
  en: { legend: 'Was your issue resolved?', yes: 'Yes', no: 'No' },
  ar: { legend: 'هل حُلّت مشكلتك؟', yes: 'نعم', no: 'لا' },
  fa: { legend: 'آیا مشکل شما حل شد؟', yes: 'بله', no: 'خیر' },
};

/** The satisfaction page as the shared survey page draws it: five ratings, then "was it resolved?". */
function shown(page: SurveyPage): SharedSurveyPage {
  const l = page.locale;
  return {
    state: page.state,
    locale: l,
    title: page.title,
    question: page.question,
    choices: page.scale.map((label, i) => ({ value: i + 1, label: `${localDigits(l, i + 1)} — ${label}` })),
    inline: false,
    answer: page.rating,
    comment: page.comment,
    yesNo: { ...RESOLVED[l], value: page.resolved },
  };
}

/** The survey's public page at the site's root: a GET only shows it (mail scanners follow links), a POST answers. */
export const csatPages = surveyPages({
  path: '/s/csat/*',
  min: 1,
  max: 5,
  page: async (db, box, token) => shown(await surveyPage(db, box, token)),
  answer: async (db, box, token, { value, ...rest }) =>
    shown(await answerSurvey(db, box, token, { rating: value, ...rest })),
});
