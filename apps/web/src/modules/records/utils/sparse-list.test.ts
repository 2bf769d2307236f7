import { describe, expect, it } from 'vitest';
import type { RecordData } from '../../../api/client.ts';
import { type RowFetch, type RowsPage, SparseList } from './sparse-list.ts';

// A list of `n` rows r0…r(n-1) and a server that answers the reads SparseList asks for, as the list route does:
// forward cursors are the next row's position, backward ones (reverse) the position before.
function server(n: number) {
  const row = (i: number): RecordData => ({ id: `r${i}` });
  const forward = (from: number, limit: number): RowsPage => {
    const to = Math.min(n, from + limit);
    const data = Array.from({ length: Math.max(0, to - from) }, (_, k) => row(from + k));
    return { data, nextCursor: to < n ? `f${to}` : null, backCursor: data.length ? `b${from - 1}` : null };
  };
  const backward = (from: number, limit: number): RowsPage => {
    const to = Math.max(-1, from - limit);
    const data = Array.from({ length: Math.max(0, from - to) }, (_, k) => row(from - k));
    return { data, nextCursor: to >= 0 ? `b${to}` : null, backCursor: data.length ? `f${from + 1}` : null };
  };
  let requests = 0;
  return {
    top: () => forward(0, 100),
    /** Answers a read; `seekTo` says where the server's key for a position lands (its sample's error). */
    answer(f: RowFetch, seekTo: (index: number) => number = (i) => i): RowsPage {
      requests++;
      if (f.kind === 'end') return backward(n - 1, f.limit);
      if (f.kind === 'seek') return forward(seekTo(f.index), f.limit);
      const at = Number(f.cursor.slice(1));
      return f.kind === 'forward' ? forward(at, f.limit) : backward(at, f.limit);
    },
    get requests() {
      return requests;
    },
  };
}

/** Reads until the rows `first`–`last` are all there (or `max` reads), as the hook does. */
function fill(
  list: SparseList,
  api: ReturnType<typeof server>,
  first: number,
  last: number,
  seekTo?: (i: number) => number,
) {
  for (let k = 0; k < 50; k++) {
    const f = list.next(first, last);
    if (!f) return;
    list.apply(f, api.answer(f, seekTo));
  }
  throw new Error('the list never filled the rows in view');
}

const ids = (list: SparseList, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, k) => list.rowAt(from + k)?.id);

describe('SparseList', () => {
  it('is exact and whole when the first page holds every row', () => {
    const api = server(30);
    const list = new SparseList(api.top());
    expect(list.length).toBe(30);
    expect(list.exact).toBe(true);
    expect(list.next(0, 29)).toBeNull();
  });

  it('sizes the scroller by the estimate and says so', () => {
    const list = new SparseList(server(100_000).top());
    list.setCount(99_000, false);
    expect(list.length).toBe(99_000);
    expect(list.exact).toBe(false);
    list.setCount(100_000, true);
    expect(list.exact).toBe(true);
  });

  it('reads the end backwards and places it at the end of the estimated length', () => {
    const api = server(100_000);
    const list = new SparseList(api.top());
    list.setCount(99_000, false);
    expect(list.next(98_980, 98_999)).toMatchObject({ kind: 'end' });
    fill(list, api, 98_980, 98_999);
    expect(list.rowAt(98_999)?.id).toBe('r99999');
    expect(list.rowAt(98_980)?.id).toBe('r99980');
    expect(list.rowAt(50_000)).toBeUndefined();
  });

  it('jumps to the middle with one seek and fills neighbours by cursors', () => {
    const api = server(100_000);
    const list = new SparseList(api.top());
    list.setCount(100_000, false);
    const f = list.next(50_000, 50_020);
    expect(f).toMatchObject({ kind: 'seek' });
    expect(f?.kind === 'seek' && f.at).toBeCloseTo(0.4998, 3);
    fill(list, api, 50_000, 50_020);
    expect(api.requests).toBe(1);
    expect(ids(list, 50_000, 50_002)).toEqual(['r50000', 'r50001', 'r50002']);
    // Scrolling up past the window's first row reads backwards from it.
    fill(list, api, 49_900, 49_920);
    expect(list.rowAt(49_900)?.id).toBe('r49900');
    expect(api.requests).toBe(2);
  });

  it('places a seek where it was asked for and joins it to the top when they meet, de-duplicated', () => {
    const api = server(20_000);
    const list = new SparseList(api.top());
    list.setCount(20_000, false);
    // The key for position 3,000 lands at row 3,200 (a sample's error): its rows are shown from 2,980 (the margin).
    fill(list, api, 3_000, 3_020, (i) => i + 200);
    expect(list.rowAt(2_980)?.id).toBe('r3180');
    // Scrolling down from the top reads forward until the top meets the seek's rows, which then move to their place.
    for (let at = 100; at < 3_600; at += 50) fill(list, api, at, at + 20, (i) => i + 200);
    expect(list.spans()).toEqual([[0, expect.any(Number)]]);
    expect(list.rowAt(3_200)?.id).toBe('r3200');
    const rows = list.loaded().map((r) => r.id);
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows.slice(0, 3_300)).toEqual(Array.from({ length: 3_300 }, (_, i) => `r${i}`));
  });

  it('ends the list where a window reading forward finds the end', () => {
    const api = server(60_000);
    const list = new SparseList(api.top());
    list.setCount(80_000, false);
    // The key near position 79,000 is the list's last rows: the list is shorter than estimated.
    fill(list, api, 79_000, 79_020, () => 59_950);
    expect(list.length).toBe(78_980 + 50);
    expect(list.rowAt(list.length - 1)?.id).toBe('r59999');
    expect(list.next(79_000, 79_020)).toBeNull();
  });

  it('knows the whole list once the top reads through to the end', () => {
    const api = server(350);
    const list = new SparseList(api.top());
    list.setCount(10_001, false);
    for (let at = 80; at < 400; at += 40) fill(list, api, at, Math.min(at + 20, list.length - 1));
    expect(list.length).toBe(350);
    expect(list.exact).toBe(true);
    expect(list.spans()).toEqual([[0, 350]]);
  });

  it('falls back to cursors where a seek lands among rows already read', () => {
    const api = server(5_000);
    const list = new SparseList(api.top());
    list.setCount(5_000, true);
    // Every key is the same (a sort on a field most rows share): each seek lands at the top.
    fill(list, api, 2_500, 2_520, () => 0);
    expect(list.rowAt(2_500)?.id).toBe('r2500');
    expect(list.spans()).toEqual([[0, expect.any(Number)]]);
  });
});
