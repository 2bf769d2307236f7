import { CALENDARS, DIGITS, isTimeZone, LOCALES } from '@rabita/shared';
import { z } from 'zod';
import { emailSchema, text } from '../http/route-kit.ts';
import { PASSWORD_MAX, PASSWORD_MIN } from './passwords.ts';

export const passwordSchema = z.string().min(PASSWORD_MIN).max(PASSWORD_MAX);

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    locale: z.string(),
    calendar: z.string(),
    timeZone: z.string(),
    digits: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });

export const workspaceSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    defaultCountry: z.string(),
    defaultCurrency: z.string(),
    defaultLocale: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Workspace' });

export const signUpBody = z.object({
  email: emailSchema,
  password: passwordSchema,
  name: text(100),
  workspaceName: text(100),
  locale: z.enum(LOCALES).optional(),
});

// Passwords chosen before the limit of 128 was set could be longer; sign-in still hears them.
export const signInBody = z.object({
  email: z.string().trim().min(1).max(254),
  password: z.string().min(1).max(1024),
});

export const acceptInvitationBody = z.object({
  token: z.string().min(10).max(200),
  /** For an invited email without an account: the new account's name and password. */
  name: text(100).optional(),
  password: passwordSchema.optional(),
});

export const signInChallengeSchema = z
  .object({
    step: z.enum(['code', 'enroll']),
    challenge: z.string(),
    expiresAt: z.string(),
  })
  .meta({ id: 'SignInChallenge' });

export const meSchema = z
  .object({
    user: userSchema.nullable(),
    apiKey: z.object({ id: z.uuid() }).nullable(),
    workspace: workspaceSchema,
    role: z.string(),
    permissions: z.object({ actions: z.array(z.string()) }),
    workspaces: z.array(z.object({ id: z.uuid(), name: z.string(), role: z.string() })),
  })
  .meta({ id: 'Me' });

export const patchMeBody = z
  .object({
    name: text(100),
    locale: z.enum(LOCALES),
    calendar: z.enum(CALENDARS),
    timeZone: z.string().max(64).refine(isTimeZone, 'Not a known IANA time zone.'),
    digits: z.enum(DIGITS),
  })
  .partial()
  .strict();

export const changePasswordBody = z.object({
  currentPassword: z.string().min(1).max(1024),
  newPassword: passwordSchema,
});

export const switchWorkspaceBody = z.object({ workspaceId: z.uuid() });
