import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  forecastAccuracy,
  quantile,
  salesVelocity,
  seededRandom,
  seedOf,
  shrunkWinRate,
  simulateRange,
  simulateRanges,
} from './forecast-stats.ts';

describe('forecast statistics', () => {
  it('simulates the same range from the same deals and seed, and another from another seed', () => {
    const deals = Array.from({ length: 30 }, (_, i) => ({
      amount: 1000 + i * 10,
      probability: (i % 10) / 10,
    }));
    const a = simulateRange(deals, 500, { seed: 42 });
    expect(simulateRange(deals, 500, { seed: 42 })).toEqual(a);
    expect(simulateRange(deals, 500, { seed: 43 })).not.toEqual(a);
    expect(a.p10).toBeLessThan(a.p50);
    expect(a.p50).toBeLessThan(a.p90);
  });

  it('centres the range on the expected value for many deals', () => {
    const deals = Array.from({ length: 400 }, () => ({ amount: 100, probability: 0.25 }));
    const r = simulateRange(deals, 0, { seed: seedOf('q'), runs: 2000 });
    // 400 × 0.25 × 100 = 10,000, with a standard deviation of √(400 × 0.25 × 0.75) × 100 ≈ 866.
    expect(Math.abs(r.p50 - 10_000)).toBeLessThan(150);
    expect(Math.abs(r.p90 - r.p10 - 2 * 1.2816 * 866)).toBeLessThan(300);
  });

  it('simulates every group in one draw: the same deals give the same range, a superset never less', () => {
    const deals = Array.from({ length: 60 }, (_, i) => ({
      amount: 100 + i,
      probability: ((i % 9) + 1) / 10,
    }));
    const repA = deals.map((_, i) => i).filter((i) => i % 2 === 0);
    const repB = deals.map((_, i) => i).filter((i) => i % 2 === 1);
    const [a, b, team, total] = simulateRanges(
      deals,
      [
        { base: 0, deals: repA },
        { base: 50, deals: repB },
        { base: 50, deals: [...repB, ...repA] },
        { base: 50, deals: deals.map((_, i) => i) },
      ],
      { seed: seedOf('1405-Q3') },
    );
    // The team holds every deal, in another order: the same range as the total.
    expect(team).toEqual(total);
    for (const q of ['p10', 'p50', 'p90'] as const) {
      expect(team![q]).toBeGreaterThanOrEqual(a![q]);
      expect(team![q]).toBeGreaterThanOrEqual(b![q]);
    }
    // One group alone is the single range.
    expect(simulateRanges(deals, [{ base: 0, deals: repA }], { seed: 7 })[0]).toEqual(
      simulateRange(
        repA.map((i) => deals[i]!),
        0,
        { seed: 7 },
      ),
    );
  });

  it('gives the base alone when nothing is open, and certain deals in full', () => {
    expect(simulateRange([], 700, { seed: 1 })).toEqual({ p10: 700, p50: 700, p90: 700 });
    expect(simulateRange([{ amount: 300, probability: 1 }], 700, { seed: 1 })).toEqual({
      p10: 1000,
      p50: 1000,
      p90: 1000,
    });
    expect(simulateRange([{ amount: 300, probability: 0 }], 700, { seed: 1 }).p90).toBe(700);
  });

  it('keeps every range ordered and between the base and the base plus every open deal', () => {
    const deal = fc.record({
      amount: fc.double({ min: 0, max: 1e9, noNaN: true }),
      probability: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(deal, { maxLength: 40 }),
        fc.double({ min: 0, max: 1e9, noNaN: true }),
        fc.nat(),
        (deals, base, seed) => {
          const r = simulateRange(deals, base, { seed, runs: 300 });
          const top = base + deals.reduce((n, d) => n + d.amount, 0);
          expect(r.p10).toBeLessThanOrEqual(r.p50);
          expect(r.p50).toBeLessThanOrEqual(r.p90);
          expect(r.p10).toBeGreaterThanOrEqual(base - 1e-6);
          expect(r.p90).toBeLessThanOrEqual(top + 1e-6 * Math.max(1, top));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('draws seeded numbers in [0, 1) without Math.random', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(xs.reduce((n, x) => n + x, 0) / xs.length).toBeCloseTo(0.5, 1);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
  });

  it('shrinks a rep’s win rate toward the team’s, less as the rep closes more', () => {
    expect(shrunkWinRate({ won: 0, lost: 0 }, 0.4)).toBe(0.4);
    expect(shrunkWinRate({ won: 2, lost: 0 }, 0.4)).toBeCloseTo((2 + 4) / 12);
    expect(shrunkWinRate({ won: 900, lost: 100 }, 0.4)).toBeCloseTo((900 + 4) / 1010);
    expect(shrunkWinRate({ won: 1, lost: 1 }, null)).toBe(0.5);
    expect(shrunkWinRate({ won: 0, lost: 0 }, null)).toBeNull();
    expect(shrunkWinRate({ won: 3, lost: 1 }, 0.5, 0)).toBe(0.75);
  });

  it('measures bias and error over the periods that had a forecast', () => {
    const r = forecastAccuracy([
      { forecast: 120, actual: 100 },
      { forecast: 80, actual: 100 },
      { forecast: null, actual: 500 },
      { forecast: 50, actual: 0 },
    ]);
    // mean(forecast − actual) = (20 − 20 + 50) / 3; mean(actual) = 200 / 3.
    expect(r.bias).toBeCloseTo(50 / 200);
    // MAPE over the periods where something closed: (0.2 + 0.2) / 2.
    expect(r.error).toBeCloseTo(0.2);
    expect(forecastAccuracy([{ forecast: null, actual: 5 }])).toEqual({ bias: null, error: null });
  });

  it('computes velocity as open deals × win rate × average won ÷ cycle days', () => {
    expect(salesVelocity({ openDeals: 20, winRate: 0.25, averageWon: 4000, cycleDays: 50 })).toBe(400);
    expect(salesVelocity({ openDeals: 20, winRate: null, averageWon: 4000, cycleDays: 50 })).toBeNull();
    expect(salesVelocity({ openDeals: 20, winRate: 0.2, averageWon: 4000, cycleDays: 0 })).toBeNull();
  });
});
