import { describe, expect, it } from 'vitest';
import { type Box, COLUMNS, collides, compact, fit, freeSpot, place, rowsOf } from './grid-layout.ts';

const box = (id: string, x: number, y: number, w = 4, h = 2): Box => ({ id, x, y, w, h });

describe('dashboard grid', () => {
  it('floats boxes up into empty rows and keeps them apart', () => {
    const out = compact([box('a', 0, 5), box('b', 0, 9), box('c', 4, 3)]);
    expect(out).toEqual([box('a', 0, 0), box('b', 0, 2), box('c', 4, 0)]);
    for (const a of out) for (const b of out) expect(collides(a, b)).toBe(false);
  });

  it('pushes the boxes in the way down when one is dropped on them, then floats them up', () => {
    const layout = [box('a', 0, 0), box('b', 4, 0), box('c', 0, 2)];
    const out = place(layout, 'c', { x: 4, y: 0 });
    expect(out.find((b) => b.id === 'c')).toMatchObject({ x: 4, y: 0 });
    expect(out.find((b) => b.id === 'b')).toMatchObject({ x: 4, y: 2 });
    expect(out.find((b) => b.id === 'a')).toMatchObject({ x: 0, y: 0 });
    for (const a of out) for (const b of out) expect(collides(a, b)).toBe(false);
  });

  it('keeps a box inside the grid whatever it is given', () => {
    expect(fit(box('a', 11, -3, 6, 100))).toEqual({ id: 'a', x: 6, y: 0, w: 6, h: 24 });
    expect(fit(box('a', -2, 1.6, 0, 0))).toEqual({ id: 'a', x: 0, y: 2, w: 1, h: 1 });
    const resized = place([box('a', 0, 0), box('b', 4, 0)], 'a', { w: 8 });
    expect(resized).toEqual([box('a', 0, 0, 8), box('b', 4, 2)]);
  });

  it('finds the first free place for a new box and counts the rows', () => {
    const layout = [box('a', 0, 0), box('b', 4, 0)];
    expect(freeSpot(layout, 4, 2)).toEqual({ x: 8, y: 0 });
    expect(freeSpot(layout, 6, 2)).toEqual({ x: 0, y: 2 });
    expect(freeSpot([], COLUMNS + 5, 2)).toEqual({ x: 0, y: 0 });
    expect(rowsOf(layout)).toBe(2);
  });
});
