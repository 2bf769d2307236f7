// The parse thread's task (run by piscina, see parse-pool.ts): one raw message in, its ParsedMessage out. The
// source arrives transferred (its memory moved to this thread, not copied); the attachments' bytes go back the same
// way. Imports nothing but message-parse.ts and piscina, so a thread starts with only what parsing needs.
import { parentPort } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { type ParsedMessage, parseMessage } from './message-parse.ts';

/** One message for a parse thread. */
export interface ParseTask {
  /** Told back when the thread starts on it (`{ started: id }`), so its time limit runs from then. */
  id: number;
  /** The raw message; its memory was transferred to this thread. */
  source: Uint8Array;
  limits: { maxBytes: number; maxAttachmentBytes: number };
}

/**
 * A ParsedMessage as it crosses back: structured clone keeps every field (Dates included) but turns each
 * attachment's Buffer into a plain Uint8Array, which the pool turns back.
 */
export type ParseReply = Omit<ParsedMessage, 'attachments'> & {
  attachments: (Omit<ParsedMessage['attachments'][number], 'content'> & { content: Uint8Array })[];
};

/**
 * The bytes of `view` in an ArrayBuffer of their own that may be transferred: the view's own buffer when it spans
 * all of it (and is not listed yet), otherwise a copy. A small Buffer is a slice of Node's shared pool, which must
 * never be transferred (and cannot be: Node marks it untransferable), and two views may share one buffer.
 */
export function transferable(view: Uint8Array, listed: Set<ArrayBufferLike>): Uint8Array {
  const buffer = view.buffer;
  const whole =
    buffer instanceof ArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === buffer.byteLength &&
    !listed.has(buffer);
  const own = whole ? view : new Uint8Array(view);
  listed.add(own.buffer);
  return own;
}

/** Parses one message (never throws, as parseMessage) and hands its attachments' bytes back without copying. */
export default async function parse(task: ParseTask) {
  parentPort?.postMessage({ started: task.id });
  const source = Buffer.from(task.source.buffer, task.source.byteOffset, task.source.byteLength);
  const message = await parseMessage(source, task.limits);
  const listed = new Set<ArrayBufferLike>();
  const reply: ParseReply = {
    ...message,
    attachments: message.attachments.map((a) => ({ ...a, content: transferable(a.content, listed) })),
  };
  const transfer = [...listed].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer && b.byteLength > 0);
  return move({ [transferableSymbol]: transfer, [valueSymbol]: reply } as never);
}
