import { z } from 'zod';
import { adapterSecretSchema, adapterSettingsSchema } from './adapters/adapter-settings.ts';
import { CALL_EVENT_KINDS } from './call-fold.ts';
import { CONNECTION_TYPES } from './connections.service.ts';

const extension = z
  .string()
  .min(1)
  .max(20)
  .regex(/^[\w*#+.-]+$/, 'Letters, digits and * # + . - only.');

export const connectionInputSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    type: z.enum(CONNECTION_TYPES),
    extensions: z
      .record(extension, z.string().max(64))
      .refine((m) => Object.keys(m).length <= 2000, 'At most 2,000 extensions.')
      .optional()
      .describe('Extension → the member’s user id who answers it.'),
    stripPrefixes: z
      .array(z.string().regex(/^\+?[0-9]{1,8}$/, 'Digits, perhaps after a +.'))
      .max(20)
      .optional()
      .describe('Prefixes the phone system puts before numbers (a trunk’s `9`, `0098`, `+`), removed first.'),
    country: z
      .string()
      .regex(/^[A-Z]{2}$/)
      .optional()
      .describe('Country whose national numbers these are (the workspace’s default country when absent).'),
    newApiKey: z.boolean().optional().describe('Make an API key (shown once in the answer).'),
    newSigningSecret: z
      .boolean()
      .optional()
      .describe('Make an HMAC signing secret (shown once in the answer).'),
    wrapUpSeconds: z
      .int()
      .min(0)
      .max(3600)
      .optional()
      .describe('Seconds an agent stays in wrap-up after a call they answered ends (30 unless set).'),
    settings: adapterSettingsSchema
      .optional()
      .describe('How Rabita reaches or checks the phone system; only the settings of the connection’s type.'),
    secret: adapterSecretSchema.optional(),
  })
  .strict();

export const connectionSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    apiKeyPrefix: z.string().nullable().describe('The start of the API key, to tell keys apart.'),
    hasSecret: z.boolean().describe('Whether calls may be signed with an HMAC secret.'),
    extensions: z.record(z.string(), z.string()),
    stripPrefixes: z.array(z.string()),
    country: z.string(),
    wrapUpSeconds: z.number().describe('Seconds of wrap-up after an answered call.'),
    settings: z.record(z.string(), z.unknown()).describe('The type’s settings (never a secret).'),
    hasAdapterSecret: z
      .boolean()
      .describe('Whether the AMI secret, ARI password or Twilio auth token is set.'),
    createdAt: z.string(),
    updatedAt: z.string(),
    apiKey: z.string().optional().describe('Only in the answer that made it.'),
    signingSecret: z.string().optional().describe('Only in the answer that made it.'),
  })
  .meta({ id: 'CallConnection' });

const text = (max: number) => z.string().min(1).max(max);
const url = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('Where the recording can be fetched (http or https).');

export const callEventSchema = z
  .object({
    callId: text(200).describe('The phone system’s own id of the call.'),
    event: z.enum(CALL_EVENT_KINDS),
    sequence: z.int().min(0).max(2_147_483_647).describe('The event’s place in the call, per call.'),
    at: z.iso.datetime({ offset: true }),
    from: z.string().max(100),
    to: z.string().max(100),
    direction: z.enum(['inbound', 'outbound']).optional(),
    extension: extension.optional(),
    duration: z.int().min(0).max(10_000_000).optional().describe('Seconds talked.'),
    cause: z.string().max(200).optional(),
    recordingUrl: url.optional(),
    correlationId: text(200).optional(),
    queue: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}]*$/u, 'No control characters.')
      .optional()
      .describe(
        'The queue the call is in, as the phone system names it (an Asterisk queue, a Twilio queue or TaskRouter name): matched to a queue’s keys. Without it, the number dialled is matched to the queues’ numbers.',
      ),
  })
  .strict()
  .meta({ id: 'CallEvent' });

export const callEventsBodySchema = z.union([
  callEventSchema,
  z.object({ events: z.array(callEventSchema).min(1) }).strict(),
]);

const match = z.object({
  object: z.enum(['people', 'companies', 'leads']),
  recordId: z.string(),
  how: z.enum(['exact', 'suffix']),
});

export const callSchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    providerCallId: z.string(),
    state: z.string().describe('`ringing`, `answered`, `held` or `ended`.'),
    direction: z.string().nullable(),
    fromRaw: z.string().nullable(),
    toRaw: z.string().nullable(),
    fromE164: z.string().nullable(),
    fromNational: z.string().nullable(),
    toE164: z.string().nullable(),
    toNational: z.string().nullable(),
    extension: z.string().nullable(),
    agentUserId: z.string().nullable(),
    correlationId: z.string().nullable(),
    ringingAt: z.string().nullable(),
    answeredAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    duration: z.number().nullable(),
    outcome: z
      .string()
      .nullable()
      .describe('`answered`, `missed`, `voicemail`, `abandoned`, `busy` or `failed`.'),
    cause: z.string().nullable(),
    recordingUrl: z.string().nullable(),
    matches: z.array(match).describe('Records the caller’s number matched that the caller may read.'),
    personId: z.string().nullable(),
    companyId: z.string().nullable(),
    leadId: z.string().nullable(),
    queueId: z.string().nullable().describe('The queue the call went through, when its events named one.'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Call' });
