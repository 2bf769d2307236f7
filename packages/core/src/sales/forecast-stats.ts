// The forecast's arithmetic as pure functions: the simulated range of what open deals may bring, win rates shrunk
// toward the team's, forecast accuracy and sales velocity. No clock, no randomness from outside: a range is
// simulated with a seeded generator, so the same deals and seed always give the same answer.

export interface OpenDeal {
  /** In the workspace's currency. */
  amount: number;
  /** 0–1. */
  probability: number;
}
export interface Range {
  p10: number;
  p50: number;
  p90: number;
}

/** A 32-bit seed from text (FNV-1a), so a range can be seeded by its period and subject. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a small, fast, seeded generator of numbers in [0, 1) (good enough for simulation, not for secrets). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** The q-quantile (0–1) of sorted values, interpolated linearly between the two nearest ranks. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Draws a simulation may make in all (deals × runs); larger sets run fewer times, at least 200. */
const MAX_DRAWS = 4_000_000;

/**
 * P10, P50 and P90 of `base` (what is already won) plus the open deals each won or lost independently with its
 * probability, over `runs` seeded simulations (fewer for very many deals, so a total over thousands stays fast).
 */
export function simulateRange(
  openDeals: readonly OpenDeal[],
  base: number,
  options: { runs?: number; seed: number },
): Range {
  return simulateRanges(openDeals, [{ base, deals: openDeals.map((_, i) => i) }], options)[0]!;
}

/**
 * The ranges of several groups of the same open deals (a forecast's reps, their teams and the total) from one
 * simulation: each run draws each deal once and adds it to every group holding it, so a deal is won or lost alike
 * in its rep's, its team's and the total's sums, groups holding the same deals get the same range, and the work is
 * the deals' draws, not the draws of every group over again (a forecast of 50 reps simulated each row on its own:
 * 19.5 million draws, most of a request's time: bench/sales-speed.ts). `deals` are indices into `openDeals`.
 */
export function simulateRanges(
  openDeals: readonly OpenDeal[],
  groups: readonly { base: number; deals: readonly number[] }[],
  options: { runs?: number; seed: number },
): Range[] {
  const groupsOf: number[][] = openDeals.map(() => []);
  groups.forEach((g, gi) => {
    for (const i of g.deals) groupsOf[i]?.push(gi);
  });
  // Only deals that can change a sum are drawn; their amounts, probabilities and groups packed in typed arrays
  // (the groups of live deal k are memberships[offsets[k]] … memberships[offsets[k + 1] - 1]).
  const live = openDeals.flatMap((d, i) =>
    d.amount !== 0 && d.probability > 0 && groupsOf[i]!.length > 0 ? [i] : [],
  );
  if (live.length === 0) return groups.map((g) => ({ p10: g.base, p50: g.base, p90: g.base }));
  const amounts = Float64Array.from(live, (i) => openDeals[i]!.amount);
  const probabilities = Float64Array.from(live, (i) => openDeals[i]!.probability);
  const offsets = new Int32Array(live.length + 1);
  live.forEach((i, k) => {
    offsets[k + 1] = offsets[k]! + groupsOf[i]!.length;
  });
  const memberships = Int32Array.from(live.flatMap((i) => groupsOf[i]!));
  const wanted = Math.max(1, Math.floor(options.runs ?? 2000));
  const runs = Math.max(Math.min(wanted, 200), Math.min(wanted, Math.floor(MAX_DRAWS / live.length)));
  // One row of `runs` sums per group, each starting at the group's base.
  const sums = new Float64Array(groups.length * runs);
  groups.forEach((g, gi) => {
    sums.fill(g.base, gi * runs, (gi + 1) * runs);
  });
  // seededRandom's mulberry32 inlined: the very same draws, without a call per draw.
  let state = options.seed >>> 0;
  for (let r = 0; r < runs; r++)
    for (let k = 0; k < amounts.length; k++) {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      if (((t ^ (t >>> 14)) >>> 0) / 4_294_967_296 >= probabilities[k]!) continue;
      const amount = amounts[k]!;
      for (let m = offsets[k]!; m < offsets[k + 1]!; m++) sums[memberships[m]! * runs + r]! += amount;
    }
  return groups.map((_, gi) => {
    const sorted = Array.from(sums.subarray(gi * runs, (gi + 1) * runs).sort());
    return { p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
  });
}

/**
 * A rep's win rate shrunk toward the team's: (won + strength × team) ÷ (won + lost + strength), so a rep with few
 * closed deals gets nearly the team's rate and one with many their own. Null when neither has a rate.
 */
export function shrunkWinRate(
  rep: { won: number; lost: number },
  team: number | null,
  strength = 10,
): number | null {
  const closed = rep.won + rep.lost;
  if (team === null) return closed > 0 ? rep.won / closed : null;
  return (rep.won + strength * team) / (closed + strength);
}

/**
 * How far forecasts were from what closed, over the periods that had a forecast: bias = mean(forecast − actual) ÷
 * mean(actual) (positive: too hopeful), error = mean of |forecast − actual| ÷ actual over periods where something
 * closed (the mean absolute percentage error). Null when there is nothing to measure.
 */
export function forecastAccuracy(periods: readonly { forecast: number | null; actual: number }[]): {
  bias: number | null;
  error: number | null;
} {
  const measured = periods.filter((p): p is { forecast: number; actual: number } => p.forecast !== null);
  if (measured.length === 0) return { bias: null, error: null };
  const meanActual = measured.reduce((n, p) => n + p.actual, 0) / measured.length;
  const meanDiff = measured.reduce((n, p) => n + (p.forecast - p.actual), 0) / measured.length;
  const withActual = measured.filter((p) => p.actual !== 0);
  return {
    bias: meanActual !== 0 ? meanDiff / meanActual : null,
    error:
      withActual.length > 0
        ? withActual.reduce((n, p) => n + Math.abs(p.forecast - p.actual) / Math.abs(p.actual), 0) /
          withActual.length
        : null,
  };
}

/**
 * Sales velocity: what the open pipeline brings in per day = open deals × win rate × average won amount ÷ cycle
 * length in days. Null when the win rate, the average or the cycle is unknown (or the cycle is not positive).
 */
export function salesVelocity(input: {
  openDeals: number;
  winRate: number | null;
  averageWon: number | null;
  cycleDays: number | null;
}): number | null {
  const { openDeals, winRate, averageWon, cycleDays } = input;
  if (winRate === null || averageWon === null || cycleDays === null || cycleDays <= 0) return null;
  return (openDeals * winRate * averageWon) / cycleDays;
}
