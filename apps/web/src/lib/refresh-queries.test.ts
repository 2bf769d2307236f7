import { QueryClient, QueryObserver } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import { refreshQueries } from './refresh-queries.ts';

// A call card's first read begins as the card pops on "ringing"; "answered" is stored and announced while that read
// is still under way. The stored state a read sees is what `server` holds when the read starts; each read answers
// only when the test lets it (`release`), so the race is played out in a fixed order.
function cardOnScreen() {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const server = { state: 'ringing' };
  const reads: { saw: string; release: () => void }[] = [];
  const observer = new QueryObserver(qc, {
    queryKey: ['calls', 'card', 'c1'],
    queryFn: () =>
      new Promise<{ state: string }>((resolve) => {
        const saw = server.state;
        reads.push({ saw, release: () => resolve({ state: saw }) });
      }),
  });
  const unsubscribe = observer.subscribe(() => {});
  const shown = () => (qc.getQueryData(['calls', 'card', 'c1']) as { state: string } | undefined)?.state;
  const stop = () => {
    unsubscribe();
    qc.clear();
  };
  return { qc, server, reads, shown, stop };
}

const settle = () => new Promise((r) => setTimeout(r, 10));

describe('reading a query again when the server says it changed', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('restarts a first read that began before the change, so the card shows the answered call', async () => {
    const card = cardOnScreen();
    stop = card.stop;
    await settle();
    expect(card.reads).toHaveLength(1);
    card.server.state = 'answered';
    const refreshed = refreshQueries(card.qc, { queryKey: ['calls', 'card'] });
    await settle();
    // The stale read answers late; it must not be what the card keeps.
    for (const r of card.reads) r.release();
    await refreshed;
    await settle();
    expect(card.reads.map((r) => r.saw)).toEqual(['ringing', 'answered']);
    expect(card.shown()).toBe('answered');
  });

  it('restarts a read of a query that has data, as invalidating does', async () => {
    const card = cardOnScreen();
    stop = card.stop;
    await settle();
    card.reads[0]!.release();
    await settle();
    expect(card.shown()).toBe('ringing');
    card.server.state = 'ended';
    const refreshed = refreshQueries(card.qc, { queryKey: ['calls', 'card', 'c1'] });
    await settle();
    expect(card.reads.map((r) => r.saw)).toEqual(['ringing', 'ended']);
    card.reads.at(-1)!.release();
    await refreshed;
    expect(card.shown()).toBe('ended');
  });

  it('leaves queries of other calls alone', async () => {
    const card = cardOnScreen();
    stop = card.stop;
    await settle();
    await Promise.race([refreshQueries(card.qc, { queryKey: ['calls', 'card', 'c2'] }), settle()]);
    await settle();
    expect(card.reads).toHaveLength(1);
    card.reads[0]!.release();
    await settle();
    expect(card.shown()).toBe('ringing');
  });

  // Why the helper exists: React Query joins a first read under way instead of restarting it, and keeps its answer.
  it('shows that invalidating alone keeps the stale first read', async () => {
    const card = cardOnScreen();
    stop = card.stop;
    await settle();
    card.server.state = 'answered';
    const invalidated = card.qc.invalidateQueries({ queryKey: ['calls', 'card'] });
    await settle();
    for (const r of card.reads) r.release();
    await invalidated;
    await settle();
    expect(card.reads).toHaveLength(1);
    expect(card.shown()).toBe('ringing');
  });
});
