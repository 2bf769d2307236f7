import fc from 'fast-check';
import { CALL_EVENT_KINDS, type CallEventInput } from './call-fold.ts';

// Test data for the calls module's tests.

const base = Date.parse('2026-12-05T10:00:00Z');

/** A call's events: distinct (event, sequence) pairs, any times, some with the optional parts. */
export const callEvents = (callId = 'c1') =>
  fc
    .uniqueArray(
      fc.record({
        event: fc.constantFrom(...CALL_EVENT_KINDS),
        sequence: fc.integer({ min: 0, max: 20 }),
        offset: fc.integer({ min: 0, max: 600_000 }),
        from: fc.constantFrom('+989121234567', '09121234567', 'sip:100@pbx'),
        to: fc.constantFrom('+982188776655', '100'),
        direction: fc.option(fc.constantFrom('inbound' as const, 'outbound' as const), { nil: undefined }),
        extension: fc.option(fc.constantFrom('100', '101', '2001'), { nil: undefined }),
        duration: fc.option(fc.integer({ min: 0, max: 3600 }), { nil: undefined }),
        cause: fc.option(fc.constantFrom('normal', 'busy', 'voicemail', 'cancel', 'congestion'), {
          nil: undefined,
        }),
        recordingUrl: fc.option(
          fc.constantFrom('https://pbx.example/r/1.wav', 'https://pbx.example/r/2.wav'),
          {
            nil: undefined,
          },
        ),
        correlationId: fc.option(fc.constantFrom('x1', 'x2'), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 12, selector: (e) => `${e.event}:${e.sequence}` },
    )
    .map((events) =>
      events.map(
        ({ offset, ...e }): CallEventInput => ({ ...e, callId, at: new Date(base + offset).toISOString() }),
      ),
    );
