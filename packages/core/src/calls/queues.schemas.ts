import { z } from 'zod';
import { noControl, wrapUpCodeItemSchema, wrapUpCodeSchema } from './wrap-up.schemas.ts';

export const serviceLevelSchema = z
  .object({
    seconds: z.int().min(1).max(3600).describe('Answered within this many seconds of ringing…'),
    percent: z.int().min(1).max(100).describe('…for at least this share of the calls offered (80 for 80%).'),
    abandoned: z
      .enum(['counted', 'ignored', 'ignoredShort'])
      .default('counted')
      .describe(
        'Abandoned calls: offered calls not answered in time (`counted`), left out (`ignored`), or left out when the caller hung up within the target time (`ignoredShort`).',
      ),
  })
  .strict()
  .meta({ id: 'CallQueueServiceLevel' });

export const queueInputSchema = z
  .object({
    name: noControl(200),
    keys: z
      .array(noControl(200))
      .max(50)
      .optional()
      .describe(
        'What the phone systems call the queue: an Asterisk queue name, a Twilio queue or TaskRouter name (matched without regard to case). One queue a key.',
      ),
    numbers: z
      .array(
        z
          .string()
          .trim()
          .min(2)
          .max(40)
          .regex(/^\+?[\d\u0660-\u0669\u06f0-\u06f9 ()./-]+$/, 'Digits, spaces and + ( ) . - / only.'),
      )
      .max(50)
      .optional()
      .describe(
        'Numbers dialled that reach the queue (its DIDs), matched to a call’s dialled number when its events name no queue. One queue a number.',
      ),
    members: z.array(z.uuid()).max(500).optional().describe('The members (user ids) who take its calls.'),
    wrapUpCodes: z
      .array(wrapUpCodeItemSchema)
      .max(100)
      .optional()
      .describe('The queue’s own wrap-up codes, in order; none (empty) means the workspace’s list.'),
    wrapUpSeconds: z
      .int()
      .min(0)
      .max(3600)
      .nullable()
      .optional()
      .describe('Seconds an agent stays in wrap-up after a call of this queue; null: the connection’s.'),
    serviceLevel: serviceLevelSchema
      .nullable()
      .optional()
      .describe('The queue’s service-level target; null: none (the wall shows no service level for it).'),
  })
  .strict();

export const queueSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    keys: z.array(z.string()),
    numbers: z.array(z.string()),
    members: z.array(z.string()),
    wrapUpCodes: z.array(wrapUpCodeSchema),
    wrapUpSeconds: z.number().nullable(),
    serviceLevel: serviceLevelSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CallQueue' });

export const callWrapUpCodesSchema = z
  .object({
    queueId: z.string().nullable().describe('The call’s queue, when it went through one.'),
    source: z
      .enum(['queue', 'workspace'])
      .describe('Whether the codes are the queue’s own or the workspace’s.'),
    codes: z.array(wrapUpCodeSchema),
  })
  .meta({ id: 'CallWrapUpCodesOfCall' });
