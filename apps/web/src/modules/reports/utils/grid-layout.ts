// The dashboard grid's arithmetic, kept apart from the page so it is tested alone: boxes on a grid of 12 columns,
// moved and resized a cell at a time, others pushed down out of the way, and everything floated up (compacted) so
// no row stays empty. Columns count from the reading start: the page places a box with `inset-inline-start`, so in
// Arabic and Persian column 0 is on the right and the grid mirrors without any arithmetic of its own.

export const COLUMNS = 12;
export const MAX_HEIGHT = 24;

export interface Box {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Whether two boxes share a cell. */
export function collides(a: Box, b: Box): boolean {
  return a.id !== b.id && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(Math.round(v), lo), hi);

/** A box kept inside the grid: at least one cell, at most the grid's width, never past its edge. */
export function fit(box: Box): Box {
  const w = clamp(box.w, 1, COLUMNS);
  return {
    ...box,
    w,
    h: clamp(box.h, 1, MAX_HEIGHT),
    x: clamp(box.x, 0, COLUMNS - w),
    y: Math.max(0, Math.round(box.y)),
  };
}

const byPlace = (a: Box, b: Box) => a.y - b.y || a.x - b.x || (a.id < b.id ? -1 : 1);

/** Every box floated up as far as it goes without overlapping those above it; order of reading is kept. */
export function compact(boxes: readonly Box[]): Box[] {
  const placed: Box[] = [];
  for (const box of [...boxes].map(fit).sort(byPlace)) {
    let y = box.y;
    while (y > 0 && !placed.some((p) => collides({ ...box, y: y - 1 }, p))) y -= 1;
    // A box that starts overlapping (an imported layout) drops below what it hits.
    let next = { ...box, y };
    for (let hit = placed.find((p) => collides(next, p)); hit; hit = placed.find((p) => collides(next, p)))
      next = { ...next, y: hit.y + hit.h };
    placed.push(next);
  }
  const at = new Map(placed.map((p) => [p.id, p]));
  return boxes.map((b) => at.get(b.id) ?? fit(b));
}

/** The layout with one box put somewhere else (or resized): boxes in its way move down, then all float up. */
export function place(boxes: readonly Box[], id: string, change: Partial<Omit<Box, 'id'>>): Box[] {
  const current = boxes.find((b) => b.id === id);
  if (!current) return [...boxes];
  const moved = fit({ ...current, ...change });
  const placed: Box[] = [moved];
  for (const box of boxes.filter((b) => b.id !== id).sort(byPlace)) {
    let next = fit(box);
    for (let hit = placed.find((p) => collides(next, p)); hit; hit = placed.find((p) => collides(next, p)))
      next = { ...next, y: hit.y + hit.h };
    placed.push(next);
  }
  // Float everything up, the moved box first among equals, so it stays where it was dropped when it can.
  const settled = compact(placed);
  return boxes.map((b) => settled.find((s) => s.id === b.id) ?? b);
}

/** Where a new box of this size goes: the first place from the top, reading from the start, where it fits. */
export function freeSpot(boxes: readonly Box[], w: number, h: number): { x: number; y: number } {
  const width = clamp(w, 1, COLUMNS);
  for (let y = 0; ; y++)
    for (let x = 0; x + width <= COLUMNS; x++)
      if (!boxes.some((b) => collides({ id: '\u0000new', x, y, w: width, h }, b))) return { x, y };
}

/** The rows the layout takes. */
export function rowsOf(boxes: readonly Box[]): number {
  return boxes.reduce((n, b) => Math.max(n, b.y + b.h), 0);
}
