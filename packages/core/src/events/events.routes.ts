import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { accessUnchanged } from '../auth/current-principal.ts';
import { can, type Principal } from '../auth/principal.ts';
import { onAccessChanged } from '../auth/principal-cache.ts';
import { principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { ownerLimit, ruleFor } from '../records/access.ts';
import type { StreamEvent } from './event-hub.ts';

const HEARTBEAT_MS = 20_000;
// A stream ends after this long and the browser's EventSource reconnects, which authenticates it again: a
// signed-out session or a revoked key stops receiving within this time.
const MAX_STREAM_MS = 15 * 60_000;
// Access changes come in bursts (the change made here, then the database's announcement of it): a stream checks
// its caller once per burst.
const RECHECK_DELAY_MS = 50;

/**
 * A call's, an agent's presence's or the wall's stream message, the same for every stream that may have it: made
 * once per event however many streams send it (a busy contact centre sends each to every agent's browser).
 */
const sharedMessages = new WeakMap<StreamEvent, string>();
function sharedMessage(e: StreamEvent, make: (e: StreamEvent) => string): string {
  let message = sharedMessages.get(e);
  if (message === undefined) {
    message = make(e);
    sharedMessages.set(e, message);
  }
  return message;
}
const callMessage = (e: StreamEvent) =>
  `event: call\ndata: ${JSON.stringify({ callId: e.recordId, state: e.kind, at: e.at })}\n\n`;
const presenceMessage = (e: StreamEvent) =>
  `event: presence\ndata: ${JSON.stringify({ userId: e.userId, state: e.kind, at: e.at })}\n\n`;
const wallMessage = (e: StreamEvent) =>
  `event: wall\ndata: ${JSON.stringify({ callId: e.recordId, state: e.kind, at: e.at })}\n\n`;

/** The workspace's record changes as Server-Sent Events, filtered by what the caller may read. */
export const eventsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, events }) => {
  // Open streams never go idle, so the server would wait for them on shutdown: end them first.
  const open = new Set<() => void>();
  // Checks under way, by caller: the streams of one caller (several tabs) share one lookup, as long as no access
  // change was announced since it began (it may have read the state before that change).
  let announcements = 0;
  const stopCounting = onAccessChanged(() => {
    announcements += 1;
  });
  app.addHook('onClose', async () => stopCounting());
  const checking = new Map<string, { after: number; answer: Promise<boolean> }>();
  const unchangedFor = (principal: Principal): Promise<boolean> => {
    const key = JSON.stringify([principal.apiKeyId, principal.sessionId, principal.userId, principal.role]);
    const under = checking.get(key);
    if (under?.after === announcements) return under.answer;
    const entry = { after: announcements, answer: accessUnchanged(db, principal) };
    checking.set(key, entry);
    void entry.answer
      .finally(() => {
        if (checking.get(key) === entry) checking.delete(key);
      })
      .catch(() => {});
    return entry.answer;
  };
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  app.get(
    '/events',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['events'],
        summary: 'Stream the workspace’s record changes (Server-Sent Events)',
        description:
          'Each event is `event: record` with `data: {object, recordId, action, fields, source, at}` (`fields` names the changed fields the caller may see; values are read from the record). A call ringing at the caller’s extension is `event: call` with `data: {callId, state, at}` (callers with `calls.read`). A waiting call a queue offered the caller is `event: call` with `state: closed` once another member answers it or it is hung up unanswered: its card can close. An agent’s presence changing is `event: presence` with `data: {userId, state, at}` (callers with `calls.read`); any call of the workspace changing state is `event: wall` with `data: {callId, state, at}` (callers with `calls.supervise`). A comment line is sent every 20 s; the stream closes after 15 minutes and EventSource reconnects. It also closes as soon as the caller’s access changes (a revoked key, a removed member, a changed role, a signed-out session), so a reconnect is authenticated again.',
        produces: ['text/event-stream'],
        response: { 401: problemSchema, 503: problemSchema },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!events) {
        reply.code(503).type('application/problem+json');
        return {
          type: 'urn:rabita:problem:not_ready',
          title: 'Service Unavailable',
          status: 503,
          detail: 'This server does not stream events.',
          code: 'not_ready',
        };
      }
      const visible = (e: StreamEvent) => {
        if (e.workspaceId !== principal.workspaceId) return false;
        const rule = ruleFor(principal, e.object);
        if (!rule.read) return false;
        const limit = ownerLimit(principal, rule);
        return limit === undefined || (limit !== null && e.ownerId === limit);
      };
      const res = reply.raw;
      let unsubscribe: (() => void) | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      let expiry: NodeJS.Timeout | undefined;
      let recheck: NodeJS.Timeout | undefined;
      let ended = false;
      // Events that arrive while the caller is being checked again wait for the answer: sent if nothing changed for
      // the caller, dropped with the stream otherwise.
      let held: string[] | undefined;
      // The messages of one tick (a call event's call, presence and wall notifications arrive together) leave in one
      // write.
      let corked = false;
      const write = (message: string) => {
        if (!corked) {
          corked = true;
          res.cork();
          process.nextTick(() => {
            corked = false;
            res.uncork();
          });
        }
        res.write(message);
      };
      const send = (message: string) => {
        if (held) held.push(message);
        else write(message);
      };
      // A change announced while a check is under way may have come after what the check read: check once more.
      let again = false;
      const check = () => {
        held ??= [];
        recheck = setTimeout(() => {
          recheck = undefined;
          again = false;
          unchangedFor(principal).then(
            (unchanged) => {
              if (!unchanged) return end();
              if (again) return check();
              const waiting = held ?? [];
              held = undefined;
              if (!ended) for (const message of waiting) write(message);
            },
            () => end(),
          );
        }, RECHECK_DELAY_MS);
      };
      // When access changes anywhere, the stream checks its caller again and ends unless nothing changed for it.
      const stopWatching = onAccessChanged(() => {
        if (ended) return;
        if (held) again = true;
        else check();
      });
      const end = () => {
        if (ended) return;
        ended = true;
        open.delete(end);
        stopWatching();
        clearInterval(heartbeat);
        clearTimeout(expiry);
        clearTimeout(recheck);
        unsubscribe?.();
        if (res.headersSent && !res.writableEnded) res.end();
      };
      // Known to shutdown from the start, so a stream still subscribing when the server closes ends too.
      open.add(end);
      request.raw.on('close', end);
      try {
        unsubscribe = await events.subscribe((e) => {
          if (!res.headersSent) return;
          if (e.type === 'notification') {
            if (e.workspaceId !== principal.workspaceId || e.userId !== principal.userId) return;
            const note = { id: e.id, kind: e.kind, object: e.object, recordId: e.recordId, at: e.at };
            send(`event: notification\ndata: ${JSON.stringify(note)}\n\n`);
            return;
          }
          if (e.type === 'call') {
            // A call ringing (or answered, held, ended) at the caller's extension: ids and state only, the card
            // is read through the calls API with the caller's own rights.
            if (e.workspaceId !== principal.workspaceId || e.userId !== principal.userId) return;
            if (!can(principal, 'calls.read')) return;
            send(sharedMessage(e, callMessage));
            return;
          }
          if (e.type === 'presence' || e.type === 'wall') {
            // An agent's presence changed (the team view, `calls.read`) or a call did (the wall, `calls.supervise`):
            // ids and states only; the screens read the figures through the API.
            if (e.workspaceId !== principal.workspaceId) return;
            if (e.type === 'presence') {
              if (!can(principal, 'calls.read')) return;
              send(sharedMessage(e, presenceMessage));
            } else {
              if (!can(principal, 'calls.supervise')) return;
              send(sharedMessage(e, wallMessage));
            }
            return;
          }
          if (!visible(e)) return;
          const rule = ruleFor(principal, e.object);
          const data = {
            object: e.object,
            recordId: e.recordId,
            action: e.action,
            fields: (e.fields ?? []).filter((f) => !rule.hiddenFields?.includes(f)),
            source: e.source,
            at: e.at,
          };
          send(`event: record\ndata: ${JSON.stringify(data)}\n\n`);
        });
      } catch (error) {
        end();
        throw error;
      }
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': request.id,
      });
      if (ended) {
        res.end();
        return;
      }
      // Sent once subscribed: whatever is written after a client sees this line reaches it.
      res.write('retry: 3000\n: connected\n\n');
      heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      expiry = setTimeout(end, MAX_STREAM_MS);
      res.on('error', end);
    },
  );
};
