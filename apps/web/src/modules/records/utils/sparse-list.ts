import type { RecordData } from '../../../api/client.ts';

/** A page as the list route answers it. */
export interface RowsPage {
  data: RecordData[];
  nextCursor?: string | null;
  backCursor?: string | null;
}

/** What the list should read next to show the rows in view. */
export type RowFetch =
  /** The list's last rows, read backwards (`reverse=true`). */
  | { kind: 'end'; limit: number }
  /** The first sort key's value near `index` (`/keys?at=`), then a page starting at it (`seek`), placed at `index`. */
  | { kind: 'seek'; index: number; at: number; limit: number }
  /** More rows after a window's last (`cursor`). */
  | { kind: 'forward'; window: number; cursor: string; limit: number }
  /** More rows before a window's first (`cursor` with `reverse=true`). */
  | { kind: 'backward'; window: number; cursor: string; limit: number };

/** Rows read one after another, placed at `start`. */
interface RowWindow {
  id: number;
  start: number;
  rows: RecordData[];
  ids: Set<string>;
  /** Its first row is the list's first. */
  head: boolean;
  /** Its last row is the list's last: it is placed by the list's length, at the end. */
  tail: boolean;
  /** Reads on after the last row; null at the end. */
  forward: string | null;
  /** Reads backwards from the first row (`reverse=true`); null at the head. */
  backward: string | null;
}

/** The page a list starts with and the largest the API gives. */
export const PAGE = 100;
export const MAX_PAGE = 1000;
/** Rows read beyond the ones in view on either side. */
const MARGIN = 20;

const pageFor = (missing: number) => Math.min(MAX_PAGE, Math.max(PAGE, missing + PAGE));

/**
 * A list's rows as far as they are read: windows of consecutive rows, each placed where it was read from — the top
 * at 0, the end at the list's length minus its rows, a seek at the position it was asked for (which is where the
 * server's key for that position should start, give or take its sample). Windows grow by their cursors as the user
 * scrolls beside them and are joined, rows de-duplicated by id, when they meet. The length is the count (an
 * estimate beyond 10,000 rows) until a real end is read: a window reading forward to the end ends the list there,
 * and one holding both ends is the whole list. Rows between windows are `undefined` (placeholders).
 */
export class SparseList {
  private windows: RowWindow[] = [];
  private nextId = 1;
  private estimate: { count: number; exact: boolean } | undefined;
  /** Where a window reading forward found the end, which then outweighs the estimate. */
  private endAt: number | undefined;
  private triedSeeks: number[] = [];
  private seekOff = false;
  /** The list's length (the scroller's): exact, or the estimate adjusted to the rows read. */
  length = 0;
  /** Whether `length` is exactly the list's. */
  exact = false;
  /** Bumped on every change. */
  version = 0;

  /** Starts the list with its first page. */
  constructor(top: RowsPage) {
    const next = top.nextCursor ?? null;
    this.windows.push(
      this.window(0, top.data, { head: true, tail: next === null, forward: next, backward: null }),
    );
    this.normalize();
  }

  /** The list's size as `/count` gives it. */
  setCount(count: number, exact: boolean) {
    if (this.estimate?.count === count && this.estimate.exact === exact) return;
    this.estimate = { count, exact };
    this.normalize();
  }

  /** Whether the list's length is known (from the count or from reading it whole). */
  get hasLength() {
    return this.estimate !== undefined || this.exact;
  }

  /** The row at a position, if read. */
  rowAt(index: number): RecordData | undefined {
    for (const w of this.windows) {
      if (index < w.start) return undefined;
      if (index < w.start + w.rows.length) return w.rows[index - w.start];
    }
    return undefined;
  }

  /** Where a row is now placed. */
  indexOf(id: string): number | undefined {
    for (const w of this.windows) if (w.ids.has(id)) return w.start + w.rows.findIndex((r) => r.id === id);
    return undefined;
  }

  /** Every row read, in list order. */
  loaded(): RecordData[] {
    return this.windows.flatMap((w) => w.rows);
  }

  /** The windows as [start, rows] (for tests and diagnostics). */
  spans(): [number, number][] {
    return this.windows.map((w) => [w.start, w.rows.length]);
  }

  /**
   * The next read the rows in view (`first` to `last`, 0-based) need, or null when they are all read. A gap next to
   * a window that one page can fill is read from that window; a gap one page from the end is read from the end;
   * any other is found by seeking (once per place — a seek landing in rows already read falls back to cursors).
   */
  next(first: number, last: number): RowFetch | null {
    if (this.length === 0) return null;
    const lo = Math.max(0, Math.min(first, this.length - 1) - MARGIN);
    const hi = Math.min(this.length - 1, Math.max(last, first) + MARGIN);
    const gap = this.firstGap(lo, hi);
    if (!gap) return null;
    const [from, to] = gap;
    const before = this.windows.filter((w) => w.start + w.rows.length <= from).at(-1);
    const after = this.windows.find((w) => w.start > to);
    const forwardNeed = before?.forward
      ? to + 1 - (before.start + before.rows.length)
      : Number.POSITIVE_INFINITY;
    const backwardNeed = after?.backward ? after.start - from : Number.POSITIVE_INFINITY;
    if (before?.forward && forwardNeed <= MAX_PAGE && forwardNeed <= backwardNeed)
      return { kind: 'forward', window: before.id, cursor: before.forward, limit: pageFor(forwardNeed) };
    if (after?.backward && backwardNeed <= MAX_PAGE)
      return { kind: 'backward', window: after.id, cursor: after.backward, limit: pageFor(backwardNeed) };
    const tail = this.windows.some((w) => w.tail);
    if (!tail && this.length - from <= MAX_PAGE) return { kind: 'end', limit: pageFor(this.length - from) };
    if (!this.seekOff && !this.triedSeeks.some((t) => Math.abs(t - from) < PAGE))
      return { kind: 'seek', index: from, at: from / this.length, limit: pageFor(to + 1 - from) };
    // A seek here was tried and landed elsewhere: read towards the gap from the nearer window, a page at a time.
    if (before?.forward && forwardNeed <= backwardNeed)
      return { kind: 'forward', window: before.id, cursor: before.forward, limit: MAX_PAGE };
    if (after?.backward)
      return { kind: 'backward', window: after.id, cursor: after.backward, limit: MAX_PAGE };
    if (!tail) return { kind: 'end', limit: MAX_PAGE };
    return null;
  }

  /** Seeking cannot serve this list (the server refused its key): cursors from the nearer window only. */
  disableSeek() {
    this.seekOff = true;
    this.version++;
  }

  /** Takes the answer to a read `next` asked for. */
  apply(fetch: RowFetch, page: RowsPage) {
    const next = page.nextCursor ?? null;
    if (fetch.kind === 'end') {
      const rows = [...page.data].reverse();
      if (this.windows.some((w) => w.tail)) return;
      this.windows.push(
        this.window(0, rows, { head: next === null, tail: true, forward: null, backward: next }),
      );
    } else if (fetch.kind === 'seek') {
      this.triedSeeks.push(fetch.index);
      if (page.data.length > 0) {
        const w = this.window(fetch.index, page.data, {
          head: false,
          tail: next === null,
          forward: next,
          backward: page.backCursor ?? null,
        });
        const at = this.windows.findIndex((o) => o.tail || o.start > fetch.index);
        this.windows.splice(at < 0 ? this.windows.length : at, 0, w);
        if (w.tail && !this.windows.some((o) => o !== w && o.tail)) this.endAt = w.start + w.rows.length;
        else if (w.tail) w.tail = false; // two ends that do not meet: the list changed under it; the first one wins
      }
    } else {
      const w = this.windows.find((o) => o.id === fetch.window);
      if (!w) return;
      if (fetch.kind === 'forward') {
        w.rows.push(...page.data.filter((r) => !w.ids.has(r.id)));
        w.forward = next;
        if (next === null && !w.tail) {
          w.tail = true;
          this.endAt = w.start + w.rows.length;
        }
      } else {
        const rows = [...page.data].reverse().filter((r) => !w.ids.has(r.id));
        w.rows.unshift(...rows);
        w.start -= rows.length;
        w.backward = next;
        if (next === null) w.head = true;
      }
      for (const r of page.data) w.ids.add(r.id);
    }
    this.normalize();
  }

  private window(start: number, rows: RecordData[], rest: Omit<RowWindow, 'id' | 'start' | 'rows' | 'ids'>) {
    return { id: this.nextId++, start, rows, ids: new Set(rows.map((r) => r.id)), ...rest };
  }

  /** The first run of unread positions in [lo, hi]. */
  private firstGap(lo: number, hi: number): [number, number] | null {
    let at = lo;
    for (const w of this.windows) {
      const end = w.start + w.rows.length;
      if (end <= at) continue;
      if (w.start > at) return [at, Math.min(hi, w.start - 1)];
      at = end;
      if (at > hi) return null;
    }
    return at <= hi ? [at, hi] : null;
  }

  /** Joins windows that meet, puts the head at 0 and the tail at the end, and settles the length. */
  private normalize() {
    this.version++;
    for (let joined = true; joined; ) {
      joined = false;
      outer: for (let i = 0; i < this.windows.length; i++)
        for (let j = i + 1; j < this.windows.length; j++) {
          const a = this.windows[i]!;
          const b = this.windows[j]!;
          const merged = join(a, b) ?? join(b, a);
          if (!merged) continue;
          this.windows.splice(j, 1);
          this.windows[i] = merged;
          joined = true;
          break outer;
        }
    }
    const head = this.windows.find((w) => w.head);
    if (head) {
      head.start = 0;
      this.windows = [head, ...this.windows.filter((w) => w !== head)];
    }
    const whole = this.windows.find((w) => w.head && w.tail);
    if (whole) {
      this.windows = [whole];
      this.length = whole.rows.length;
      this.exact = true;
      return;
    }
    const tail = this.windows.find((w) => w.tail);
    const placed = this.windows.filter((w) => w !== tail);
    // Windows never overlap, and windows that have not met keep at least one unread place between them (so the
    // rows still missing there are read): one that grew into the next pushes it (and the length) on.
    let end = 0;
    let open = false;
    for (const w of placed) {
      if (w.start < end + (open ? 1 : 0)) w.start = end + (open ? 1 : 0);
      end = w.start + w.rows.length;
      open = w.forward !== null;
    }
    const need = end + (open ? 1 : 0) + (tail ? tail.rows.length : 0);
    const base = this.endAt ?? this.estimate?.count ?? 0;
    this.length = Math.max(base, need);
    this.exact =
      this.endAt === undefined && this.estimate?.exact === true && this.length === this.estimate.count;
    if (tail) {
      tail.start = this.length - tail.rows.length;
      this.windows = [...placed, tail];
    }
  }
}

/** `a` and `b` as one window when `b` starts inside `a` (both are runs of the same order), else null. */
function join(a: RowWindow, b: RowWindow): RowWindow | null {
  const first = b.rows[0];
  if (!first || !a.ids.has(first.id)) return null;
  const beyond = b.rows.some((r) => !a.ids.has(r.id));
  const at = a.rows.findIndex((r) => r.id === first.id);
  const rows = beyond ? [...a.rows.slice(0, at), ...b.rows] : a.rows;
  const seen = new Set<string>();
  const unique = rows.filter((r) => !seen.has(r.id) && seen.add(r.id));
  return {
    id: a.id,
    start: a.start,
    rows: unique,
    ids: seen,
    head: a.head,
    backward: a.backward,
    tail: beyond ? b.tail : a.tail,
    forward: beyond ? b.forward : a.forward,
  };
}
