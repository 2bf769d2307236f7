import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keepConnected, orderedHandOff } from './keep-connected.ts';

describe('keeping a phone system connected', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits twice as long after each failure, also when the host is refused, and starts over after a success', async () => {
    const tries: number[] = [];
    let refuse = true;
    let opened = 0;
    const link = keepConnected({
      name: 'AMI',
      target: async () => {
        tries.push(Date.now());
        if (refuse) throw new Error('private address');
        return 'pbx';
      },
      open: () => {
        opened += 1;
      },
      backoff: { initialMs: 1_000, maxMs: 4_000 },
      log: () => {},
    });
    const start = Date.now();
    await vi.advanceTimersByTimeAsync(15_000);
    // Refused at 0, then after 1, 2, 4 and 4 (the longest) seconds.
    expect(tries.map((t) => t - start)).toEqual([0, 1_000, 3_000, 7_000, 11_000, 15_000]);
    expect(opened).toBe(0);
    refuse = false;
    await vi.advanceTimersByTimeAsync(4_000);
    expect(opened).toBe(1);
    // The connection succeeded, then dropped: the next try comes after the first wait again.
    link.succeeded();
    link.retry();
    await vi.advanceTimersByTimeAsync(999);
    expect(opened).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(opened).toBe(2);
    link.stop();
    link.retry();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(opened).toBe(2);
  });

  it('hands events on in order, logs a batch not kept and goes on with the next', async () => {
    vi.useRealTimers();
    const kept: string[] = [];
    const logged: string[] = [];
    const handOff = orderedHandOff(
      async (events) => {
        await new Promise((r) => setTimeout(r, events[0]!.callId === 'a' ? 20 : 0));
        if (events[0]!.callId === 'b') throw new Error('refused');
        kept.push(events[0]!.callId);
      },
      (_level, message) => logged.push(message),
    );
    const event = (callId: string) => ({
      callId,
      event: 'ringing' as const,
      sequence: 1,
      at: '2026-12-05T10:00:00Z',
      from: '+989121234567',
      to: '100',
    });
    handOff.push([event('a')]);
    handOff.push([]);
    handOff.push([event('b')]);
    handOff.push([event('c')]);
    await handOff.idle();
    expect(kept).toEqual(['a', 'c']);
    expect(logged).toEqual(['call events not kept']);
  });
});
