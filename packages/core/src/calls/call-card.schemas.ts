import { z } from 'zod';
import { wrapUpCodeSchema } from './wrap-up.schemas.ts';

const company = z.object({
  id: z.string().describe('Empty for a lead’s company name.'),
  title: z.string().nullable(),
});

const pick = z.object({
  object: z.enum(['people', 'companies', 'leads']),
  id: z.string(),
  title: z.string().nullable().describe('From the title fields the reader may see.'),
  how: z
    .enum(['exact', 'suffix', 'linked'])
    .describe('Matched exactly, by the last digits, or linked by an agent.'),
  company: company.nullable(),
  flags: z
    .array(z.string())
    .optional()
    .describe('A person’s flags (VIP, wheelchair user…); absent when the reader’s role hides them.'),
});

const timelineEntry = z.object({ kind: z.string(), id: z.string(), at: z.string() }).catchall(z.unknown());

export const callCardSchema = z
  .object({
    call: z.object({
      id: z.string(),
      state: z.string(),
      queue: z
        .object({ id: z.string(), name: z.string() })
        .nullable()
        .describe(
          'The queue the call went through, when its events named one (also a queue removed since). Queues are workspace settings: shown to every reader of the card.',
        ),
      direction: z.string().nullable(),
      from: z.string().nullable(),
      to: z.string().nullable(),
      fromNational: z.string().nullable(),
      extension: z.string().nullable(),
      agentUserId: z.string().nullable(),
      ringingAt: z.string().nullable(),
      answeredAt: z.string().nullable(),
      endedAt: z.string().nullable(),
      duration: z.number().nullable(),
      outcome: z
        .string()
        .nullable()
        .describe('The agent’s outcome when they gave one, else the phone system’s.'),
      cause: z.string().nullable(),
      wrapUp: z.object({
        notes: z.string().nullable(),
        wrapUpCode: z.string().nullable(),
        wrapUpLabel: z
          .string()
          .nullable()
          .describe(
            'The code’s label in the list it was chosen from (the call’s queue’s own, else the workspace’s); null when that list or the code is gone.',
          ),
        wrapUpLabels: wrapUpCodeSchema.shape.labels.describe(
          'That code’s label per language (en, ar, fa) where it has one: the reader’s own is shown over `wrapUpLabel`.',
        ),
        outcome: z.string().nullable(),
        ticketId: z.string().nullable(),
        taskId: z.string().nullable(),
        wrappedUpAt: z.string().nullable(),
        wrappedUpBy: z.string().nullable(),
      }),
      report: z
        .object({ ticketId: z.string(), type: z.string().nullable(), runId: z.string().nullable() })
        .nullable()
        .describe('The complaint or return opened from the call, and the workflow run it started.'),
      selfService: z
        .array(
          z.object({
            channel: z.enum(['email', 'sms']),
            url: z.string(),
            at: z.string(),
            by: z.string().nullable(),
          }),
        )
        .describe('Self-service links sent from the call, oldest first.'),
      promise: z
        .object({ amount: z.string(), currency: z.string(), dueOn: z.string() })
        .nullable()
        .describe('A promise to pay recorded on the wrap-up.'),
    }),
    record: pick
      .extend({
        openTickets: z.array(
          z.object({
            id: z.string(),
            number: z.number().nullable(),
            subject: z.string().nullable(),
            status: z.string().nullable(),
          }),
        ),
        openDeals: z.array(
          z.object({
            id: z.string(),
            name: z.string().nullable(),
            amount: z.unknown(),
            status: z.string().nullable(),
          }),
        ),
        recent: z.array(timelineEntry).describe('The record’s last timeline entries, newest first.'),
        lastCsat: z
          .object({ rating: z.number(), answeredAt: z.string(), ticketId: z.string() })
          .nullable()
          .describe('A person’s latest satisfaction score, over the tickets the reader may read.'),
      })
      .nullable()
      .describe('The record the call is about: linked by the agent, else the one exact match.'),
    candidates: z
      .array(pick)
      .describe('Several matches, or guesses by the last digits: the agent picks one.'),
    newPerson: z
      .object({ phone: z.string().nullable() })
      .nullable()
      .describe('No match: the caller’s number for a new person’s form.'),
    canWrapUp: z.boolean(),
  })
  .meta({ id: 'CallCard' });
