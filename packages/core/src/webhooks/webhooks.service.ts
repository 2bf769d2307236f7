import { randomBytes } from 'node:crypto';
import { type Tx, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { loadObjects } from '../metadata/metadata.service.ts';
import { bumpAutomationVersion } from '../workspaces/workspaces.service.ts';
import { assertPublicUrl, UnsafeUrlError } from './url-guard.ts';
import { WEBHOOK_EVENTS, type WebhookEvent } from './webhook-outbox.ts';

/** A subscription as the API shows it (the secret only once, when created). */
export interface WebhookView {
  id: string;
  url: string;
  objects: string[];
  events: WebhookEvent[];
  description: string | null;
  createdAt: string;
}

export interface NewWebhook {
  url: string;
  objects: string[];
  events: string[];
  description?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface WebhookRow {
  id: string;
  url: string;
  objects: string[];
  events: WebhookEvent[];
  description: string | null;
  createdAt: Date;
}

function present(row: WebhookRow): WebhookView {
  return {
    id: row.id,
    url: row.url,
    objects: row.objects,
    events: row.events,
    description: row.description,
    createdAt: row.createdAt.toISOString(),
  };
}

function notFound(id: string): AppError {
  return new AppError('not_found', `There is no webhook ${id}.`);
}

/** Checks a subscription's fields (those given), collecting every problem. */
async function checkWebhook(
  trx: Tx,
  workspaceId: string,
  input: Partial<NewWebhook>,
  options: { allowPrivate: boolean },
): Promise<void> {
  const problems: { field: string; message: string }[] = [];
  if (input.url !== undefined) {
    try {
      await assertPublicUrl(input.url, { allowPrivate: options.allowPrivate });
    } catch (error) {
      if (!(error instanceof UnsafeUrlError)) throw error;
      problems.push({ field: 'url', message: error.message });
    }
  }
  const badEvents = (input.events ?? []).filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (badEvents.length > 0)
    problems.push({
      field: 'events',
      message: `Unknown events: ${badEvents.join(', ')}; use ${WEBHOOK_EVENTS.join(', ')}.`,
    });
  if (input.objects) {
    const known = new Set((await loadObjects(trx, workspaceId)).map((o) => o.key));
    const badObjects = input.objects.filter((o) => o !== '*' && !known.has(o));
    if (badObjects.length > 0)
      problems.push({ field: 'objects', message: `Unknown objects: ${badObjects.join(', ')}.` });
  }
  if (problems.length > 0)
    throw new AppError('validation_failed', problems.map((p) => p.message).join(' '), { errors: problems });
}

const VIEW_COLUMNS = ['id', 'url', 'objects', 'events', 'description', 'createdAt'] as const;

/**
 * Subscribes a URL to record events. The URL must resolve to public addresses unless the instance allows
 * private ones; objects must exist (or be `*`); the signing secret is returned once.
 */
export async function createWebhook(
  { db, principal }: ServiceContext,
  input: NewWebhook,
  options: { allowPrivate: boolean },
): Promise<WebhookView & { secret: string }> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    await checkWebhook(trx, principal.workspaceId, input, options);
    const secret = `rbw_${randomBytes(32).toString('base64url')}`;
    await bumpAutomationVersion(trx, principal.workspaceId);
    const row = await trx
      .insertInto('webhooks')
      .values({
        workspaceId: principal.workspaceId,
        id: newId(),
        url: input.url,
        objects: [...new Set(input.objects)],
        events: [...new Set(input.events)],
        description: input.description ?? null,
        secret,
        createdBy: principal.userId,
        roleId: principal.role.id,
      })
      .returning(VIEW_COLUMNS)
      .executeTakeFirstOrThrow();
    return { ...present(row as WebhookRow), secret };
  });
}

/** Throws not found unless the workspace has this subscription (named by workspace too: one shard on a cluster). */
async function mustExist(trx: Tx, workspaceId: string, id: string): Promise<void> {
  const hook = await trx
    .selectFrom('webhooks')
    .select('id')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!hook) throw notFound(id);
}

/** Changes a subscription's URL, objects, events or description (checked as when created). */
export async function updateWebhook(
  { db, principal }: ServiceContext,
  id: string,
  patch: Partial<Omit<NewWebhook, 'description'>> & { description?: string | null | undefined },
  options: { allowPrivate: boolean },
): Promise<WebhookView> {
  if (!UUID.test(id)) throw notFound(id);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    await mustExist(trx, principal.workspaceId, id);
    await checkWebhook(trx, principal.workspaceId, { ...patch, description: undefined }, options);
    await bumpAutomationVersion(trx, principal.workspaceId);
    const row = await trx
      .updateTable('webhooks')
      .set({
        ...(patch.url !== undefined ? { url: patch.url } : {}),
        ...(patch.objects ? { objects: [...new Set(patch.objects)] } : {}),
        ...(patch.events ? { events: [...new Set(patch.events)] } : {}),
        ...(patch.description !== undefined ? { description: patch.description } : {}),
      })
      .where('workspaceId', '=', principal.workspaceId)
      .where('id', '=', id)
      .returning(VIEW_COLUMNS)
      .executeTakeFirstOrThrow();
    return present(row as WebhookRow);
  });
}

/** Sends a delivery again (a failed one, or a delivered one the receiver lost), as soon as the worker can. */
export async function redeliver(
  { db, principal }: ServiceContext,
  webhookId: string,
  deliveryId: string,
): Promise<void> {
  if (!UUID.test(webhookId) || !UUID.test(deliveryId))
    throw new AppError('not_found', `There is no delivery ${deliveryId}.`);
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const { rows } = await sql`
      update webhook_deliveries set status = 'pending', next_attempt_at = now()
      where workspace_id = ${principal.workspaceId} and webhook_id = ${webhookId} and id = ${deliveryId}
      returning id`.execute(trx);
    if (rows.length === 0) throw new AppError('not_found', `There is no delivery ${deliveryId}.`);
    await sql`select rabita_kick_webhooks()`.execute(trx);
  });
}

/** The workspace's subscriptions, oldest first. */
export async function listWebhooks({ db, principal }: ServiceContext): Promise<WebhookView[]> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const rows = await trx
      .selectFrom('webhooks')
      .select(['id', 'url', 'objects', 'events', 'description', 'createdAt'])
      .where('workspaceId', '=', principal.workspaceId)
      .orderBy('id')
      .execute();
    return rows.map((r) => present(r as WebhookRow));
  });
}

/** Removes a subscription and its delivery log; pending deliveries are not sent. */
export async function deleteWebhook({ db, principal }: ServiceContext, id: string): Promise<void> {
  if (!UUID.test(id)) throw notFound(id);
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const result = await trx
      .deleteFrom('webhooks')
      .where('workspaceId', '=', principal.workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound(id);
    await bumpAutomationVersion(trx, principal.workspaceId);
  });
}

export interface DeliveryView {
  id: string;
  event: string;
  object: string;
  recordId: string;
  status: string;
  attemptCount: number;
  attempts: { at: string; statusCode: number | null; durationMs: number; error: string | null }[];
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

/** A subscription's delivery log, newest first, by keyset cursor (the last id seen). */
export async function listDeliveries(
  { db, principal }: ServiceContext,
  webhookId: string,
  options: { limit?: number | undefined; cursor?: string | undefined },
): Promise<{ data: DeliveryView[]; nextCursor: string | null }> {
  if (!UUID.test(webhookId)) throw notFound(webhookId);
  if (options.cursor !== undefined && !UUID.test(options.cursor))
    throw new AppError('validation_failed', 'The cursor is not one this API gave out.', {
      errors: [{ field: 'cursor', message: 'Unknown cursor.' }],
    });
  const limit = Math.min(options.limit ?? 50, 200);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    await mustExist(trx, principal.workspaceId, webhookId);
    const { rows } = await sql<{
      id: string;
      event: string;
      objectKey: string;
      recordId: string;
      status: string;
      attemptCount: number;
      attempts: DeliveryView['attempts'];
      nextAttemptAt: Date | null;
      deliveredAt: Date | null;
      createdAt: Date;
    }>`
      select id, event, object_key, record_id, status, attempt_count, attempts, next_attempt_at, delivered_at, created_at
      from webhook_deliveries
      where workspace_id = ${principal.workspaceId} and webhook_id = ${webhookId}
        ${options.cursor ? sql`and id < ${options.cursor}` : sql``}
      order by id desc limit ${limit + 1}`.execute(trx);
    const page = rows.slice(0, limit);
    return {
      data: page.map((r) => ({
        id: r.id,
        event: r.event,
        object: r.objectKey,
        recordId: r.recordId,
        status: r.status,
        attemptCount: r.attemptCount,
        attempts: r.attempts,
        nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
        deliveredAt: r.deliveredAt?.toISOString() ?? null,
        createdAt: r.createdAt.toISOString(),
      })),
      nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
    };
  });
}
