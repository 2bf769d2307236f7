import type { CallEventInput } from '../call-fold.ts';
import type { AmiMessage } from './ami-parser.ts';

// Turns AMI events into Rabita call events. A call is everything sharing a `Linkedid` (the first channel's
// Uniqueid, which Asterisk hands on to every channel the call makes): the first channel's creation is the call
// ringing, the dial to an agent's phone is ringing at that extension, a second channel entering a bridge is the
// answer, `Hold`/`Unhold` and transfers follow, and the first channel's hang-up ends the call. A caller joining a
// queue (`QueueCallerJoin`, which needs the `agent` event class) rings again in that queue, and every event after
// names it.
//
// Sequence numbers must be the same each time the same AMI event is seen (a replay, another worker after a
// failover), so the fold keeps each once. With `timestampevents = yes` in manager.conf each event carries its
// time, and the sequence is the milliseconds since the call's start (the Linkedid's own seconds): stable and in
// order whoever reads it. Without timestamps it is the event's place among the call's events as this mapper saw
// them, which is stable for one stream read from its start.

/** The endpoint of a channel name: `PJSIP/201-0000002a` → `201`, `Local/201@from-queue-00000001;1` → `201`. */
export function endpointOf(channel: string | undefined): string | undefined {
  if (!channel) return undefined;
  const m = /^[A-Za-z0-9]+\/([^@;/]+?)(?:-[0-9a-f]{8})?(?:[@;].*)?$/.exec(channel);
  return m?.[1];
}

/** Q.850 hang-up causes as words the fold reads (`busy`, `no answer`, `rejected`, `congestion`, `failed`). */
const CAUSES: Record<string, string> = {
  '1': 'failed: unallocated number',
  '3': 'failed: no route to destination',
  '16': 'normal clearing',
  '17': 'busy',
  '18': 'no answer: no user responding',
  '19': 'no answer',
  '20': 'unavailable: subscriber absent',
  '21': 'rejected',
  '22': 'failed: number changed',
  '27': 'failed: destination out of order',
  '28': 'invalid number format',
  '31': 'normal',
  '34': 'congestion',
  '38': 'failed: network out of order',
  '41': 'failed: temporary failure',
  '42': 'congestion: switching equipment',
  '127': 'failed: interworking',
};

/** A dial that did not reach anybody, as the fold reads it. */
const DIAL_STATUSES: Record<string, string> = {
  NOANSWER: 'no answer',
  BUSY: 'busy',
  CANCEL: 'cancel',
  CHANUNAVAIL: 'unavailable',
  CONGESTION: 'congestion',
};

interface CallMemory {
  from: string;
  to: string;
  direction: 'inbound' | 'outbound';
  /** The extension that placed an outbound call. */
  originExtension: string | undefined;
  /** An internal call between two extensions: not a customer's call, nothing is sent. */
  internal: boolean;
  answered: boolean;
  dialStatus: string | undefined;
  counter: number;
  ringingSent: boolean;
  /** The queue the caller joined (`QueueCallerJoin`), named on every event after. */
  queue: string | undefined;
}

export interface AmiMapperOptions {
  /** True for the endpoints that are agents' phones (the connection's mapped extensions, or short digits). */
  isExtension(endpoint: string): boolean;
  /** The time of events that carry none. */
  now?: (() => Date) | undefined;
  /** Calls remembered at once; the oldest is forgotten beyond it (10,000 by default). */
  maxCalls?: number | undefined;
}

/** Follows AMI events call by call and says which Rabita call events each one is. */
export class AmiCallMapper {
  readonly #calls = new Map<string, CallMemory>();
  readonly #isExtension: (endpoint: string) => boolean;
  readonly #now: () => Date;
  readonly #maxCalls: number;

  constructor(options: AmiMapperOptions) {
    this.#isExtension = options.isExtension;
    this.#now = options.now ?? (() => new Date());
    this.#maxCalls = options.maxCalls ?? 10_000;
  }

  /** Calls in progress that this mapper remembers. */
  get size(): number {
    return this.#calls.size;
  }

  #extensionOf(channel: string | undefined): string | undefined {
    const endpoint = endpointOf(channel);
    return endpoint !== undefined && this.#isExtension(endpoint) ? endpoint : undefined;
  }

  #event(
    m: AmiMessage,
    linkedid: string,
    call: CallMemory,
    event: CallEventInput['event'],
    extra: Partial<CallEventInput> = {},
  ): CallEventInput {
    const stamp = Number(m.timestamp);
    const start = Number(linkedid.split('.')[0]);
    let sequence: number;
    let at: Date;
    if (m.timestamp && Number.isFinite(stamp) && stamp > 0) {
      at = new Date(Math.round(stamp * 1000));
      sequence = Number.isFinite(start)
        ? Math.min(2_147_483_647, Math.max(0, Math.round((stamp - start) * 1000)))
        : call.counter;
    } else {
      at = this.#now();
      sequence = call.counter;
    }
    call.counter += 1;
    return {
      callId: linkedid,
      event,
      sequence,
      at: at.toISOString(),
      from: call.from,
      to: call.to,
      direction: call.direction,
      ...(call.queue ? { queue: call.queue } : {}),
      ...extra,
    };
  }

  /** The Rabita call events one AMI message means (none for most). */
  map(m: AmiMessage): CallEventInput[] {
    const kind = m.event?.toLowerCase();
    if (!kind) return [];
    const linkedid = m.linkedid ?? m.transfereelinkedid ?? m.origtransfererlinkedid;
    if (!linkedid || linkedid.length > 100) return [];
    if (kind === 'newchannel') return this.#newChannel(m, linkedid);
    const call = this.#calls.get(linkedid);
    if (!call || call.internal) {
      if (kind === 'hangup' && m.uniqueid === linkedid) this.#calls.delete(linkedid);
      return [];
    }
    switch (kind) {
      case 'dialbegin': {
        const extension = this.#extensionOf(m.destchannel);
        if (call.direction === 'inbound') {
          if (!extension) return [];
          return [this.#event(m, linkedid, call, 'ringing', { extension })];
        }
        if (call.ringingSent) return [];
        // An outbound call's number is the one dialled (an originated call's first channel has none yet).
        const dialled =
          m.destcalleridnum && m.destcalleridnum !== '<unknown>' ? m.destcalleridnum : m.dialstring;
        if (dialled) call.to = dialled.slice(0, 100);
        call.ringingSent = true;
        return [this.#event(m, linkedid, call, 'ringing', { extension: call.originExtension })];
      }
      case 'queuecallerjoin':
      case 'join': {
        // The caller waits in a queue (`Join` before Asterisk 12): ringing again, now in that queue, at nobody's
        // extension yet, so the queue's available members get the pop.
        const queue = m.queue?.trim().slice(0, 200);
        if (!queue || call.direction !== 'inbound' || call.answered) return [];
        call.queue = queue;
        return [this.#event(m, linkedid, call, 'ringing')];
      }
      case 'dialend': {
        if (m.dialstatus && m.dialstatus !== 'ANSWER') call.dialStatus = m.dialstatus;
        return [];
      }
      case 'bridgeenter': {
        if (m.uniqueid === linkedid) return [];
        call.answered = true;
        const extension = call.direction === 'inbound' ? this.#extensionOf(m.channel) : call.originExtension;
        return [this.#event(m, linkedid, call, 'answered', extension ? { extension } : {})];
      }
      case 'hold':
        return [this.#event(m, linkedid, call, 'held')];
      case 'unhold':
        return [this.#event(m, linkedid, call, 'resumed')];
      case 'blindtransfer': {
        const target = m.extension && /^[\w*#+.-]{1,20}$/.test(m.extension) ? m.extension : undefined;
        return [this.#event(m, linkedid, call, 'transferred', target ? { extension: target } : {})];
      }
      case 'attendedtransfer': {
        const target = this.#extensionOf(m.transfertargetchannel ?? m.secondtransfererchannel);
        return [this.#event(m, linkedid, call, 'transferred', target ? { extension: target } : {})];
      }
      case 'hangup': {
        if (m.uniqueid !== linkedid) return [];
        this.#calls.delete(linkedid);
        const dial = !call.answered && call.dialStatus ? DIAL_STATUSES[call.dialStatus] : undefined;
        const cause =
          dial ??
          CAUSES[m.cause ?? ''] ??
          (m['cause-txt']
            ? m['cause-txt'].slice(0, 200)
            : m.cause
              ? `cause ${m.cause.slice(0, 10)}`
              : undefined);
        return [this.#event(m, linkedid, call, 'ended', cause ? { cause } : {})];
      }
      default:
        return [];
    }
  }

  #newChannel(m: AmiMessage, linkedid: string): CallEventInput[] {
    if (m.uniqueid !== linkedid || this.#calls.has(linkedid)) return [];
    const originExtension = this.#extensionOf(m.channel);
    const exten = m.exten && m.exten !== 's' ? m.exten : '';
    const callerNum = m.calleridnum && m.calleridnum !== '<unknown>' ? m.calleridnum : '';
    const call: CallMemory = {
      from: (callerNum || originExtension || '').slice(0, 100),
      to: exten.slice(0, 100),
      direction: originExtension ? 'outbound' : 'inbound',
      originExtension,
      internal: originExtension !== undefined && exten !== '' && this.#isExtension(exten),
      answered: false,
      dialStatus: undefined,
      counter: 0,
      ringingSent: false,
      queue: undefined,
    };
    if (this.#calls.size >= this.#maxCalls) {
      const oldest = this.#calls.keys().next().value;
      if (oldest !== undefined) this.#calls.delete(oldest);
    }
    this.#calls.set(linkedid, call);
    if (call.internal || call.direction === 'outbound') return [];
    call.ringingSent = true;
    return [this.#event(m, linkedid, call, 'ringing')];
  }
}
