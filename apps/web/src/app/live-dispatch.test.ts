import type { QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveHandlers } from '../modules/web-module.ts';
import { LIVE_WINDOW_MS, liveDispatch } from './live-dispatch.ts';

// The stream's events reach the modules' live handlers once a window: timers played with vitest's fake clock.

const qc = {} as QueryClient;
const ME = 'me-1';

function recording() {
  const heard = {
    records: [] as string[][],
    presence: [] as string[][],
    wall: 0,
    calls: [] as string[],
    notifications: 0,
  };
  const live: LiveHandlers = {
    records: (_qc, objects) => heard.records.push([...objects].sort()),
    presence: (_qc, { userIds, me }) => {
      expect(me).toBe(ME);
      heard.presence.push([...userIds].sort());
    },
    wall: () => {
      heard.wall += 1;
    },
    call: (_qc, event) => heard.calls.push(`${event.callId}:${event.state}`),
    notification: () => {
      heard.notifications += 1;
    },
  };
  return { heard, dispatch: liveDispatch(qc, ME, [{ live }, {}]) };
}

describe('liveDispatch', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('refreshes a burst once, with everything it named', () => {
    const { heard, dispatch } = recording();
    dispatch.handle('record', JSON.stringify({ object: 'people', recordId: 'a' }));
    dispatch.handle('record', JSON.stringify({ object: 'tasks', recordId: 'b' }));
    dispatch.handle('presence', JSON.stringify({ userId: 'u1', state: 'on_call' }));
    dispatch.handle('presence', JSON.stringify({ userId: 'u2', state: 'available' }));
    dispatch.handle('wall', JSON.stringify({ callId: 'c1', state: 'ringing' }));
    expect(heard.records).toEqual([]);
    expect(heard.wall).toBe(0);
    vi.advanceTimersByTime(LIVE_WINDOW_MS.calls);
    expect(heard.presence).toEqual([['u1', 'u2']]);
    expect(heard.wall).toBe(1);
    expect(heard.records).toEqual([]);
    vi.advanceTimersByTime(LIVE_WINDOW_MS.records - LIVE_WINDOW_MS.calls);
    expect(heard.records).toEqual([['people', 'tasks']]);
    // Nothing more without new events.
    vi.advanceTimersByTime(5_000);
    expect(heard.wall).toBe(1);
    expect(heard.records).toHaveLength(1);
  });

  it('keeps refreshing under a steady stream instead of waiting for a pause', () => {
    const { heard, dispatch } = recording();
    // A busy contact centre: a call event every 20 ms for 3 s, an import's changes every 50 ms.
    for (let t = 0; t < 3_000; t += 10) {
      if (t % 20 === 0) dispatch.handle('wall', JSON.stringify({ callId: `c${t}`, state: 'answered' }));
      if (t % 50 === 0) dispatch.handle('record', JSON.stringify({ object: 'people', recordId: `p${t}` }));
      vi.advanceTimersByTime(10);
    }
    // A refresh a window (a window opens at the first event after the last refresh), none lost to the stream never
    // pausing: a timer pushed back by each event would not have fired once.
    expect(heard.wall).toBeGreaterThanOrEqual(Math.floor(3_000 / (LIVE_WINDOW_MS.calls + 20)));
    expect(heard.wall).toBeLessThanOrEqual(Math.ceil(3_000 / LIVE_WINDOW_MS.calls));
    expect(heard.records.length).toBeGreaterThanOrEqual(Math.floor(3_000 / (LIVE_WINDOW_MS.records + 50)));
    expect(heard.records.length).toBeLessThanOrEqual(Math.ceil(3_000 / LIVE_WINDOW_MS.records));
  });

  it('hands call events on at once, ignores malformed ones, and stops its timers', () => {
    const { heard, dispatch } = recording();
    dispatch.handle('call', JSON.stringify({ callId: 'c1', state: 'ringing', at: 'x' }));
    expect(heard.calls).toEqual(['c1:ringing']);
    dispatch.handle('notification', '{}');
    expect(heard.notifications).toBe(1);
    for (const [type, data] of [
      ['record', 'not json'],
      ['record', JSON.stringify({ object: 7 })],
      ['presence', JSON.stringify({ userId: null })],
      ['call', JSON.stringify({ callId: 'c2' })],
      ['call', '\u0000'],
    ] as const)
      dispatch.handle(type, data);
    dispatch.handle('wall', '{}');
    dispatch.stop();
    vi.advanceTimersByTime(5_000);
    expect(heard.calls).toEqual(['c1:ringing']);
    expect(heard.records).toEqual([]);
    expect(heard.presence).toEqual([]);
    expect(heard.wall).toBe(0);
  });
});
