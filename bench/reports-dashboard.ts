/// <reference lib="dom" />
// Dashboard speed (issue 15, "Speed": a dashboard of 12 widgets fully drawn in a real browser ≤ 3 s). Kept as a
// function of its own so the reports bench (`bench/reports-speed.ts`, PDF timings) can call it beside its parts;
// the browser test `e2e/reports-dashboards.test.ts` runs it on a small workspace and prints the figure.
import type { Page } from 'playwright-core';

/** Twelve widgets over deals: eight reports (bars, lines, a pie, a table), two KPIs and two lists. */
export function twelveWidgets(): Record<string, unknown>[] {
  const report = (i: number, groupBy: unknown[], chart: string) => ({
    id: `r${i}`,
    kind: 'report',
    x: (i % 3) * 4,
    y: Math.floor(i / 3) * 4,
    w: 4,
    h: 4,
    definition: { object: 'deals', groupBy, measures: [{ fn: 'count' }], chart },
  });
  return [
    report(0, [{ field: 'status' }], 'bar'),
    report(1, [{ field: 'stage' }], 'barHorizontal'),
    report(2, [{ field: 'expectedCloseDate', bucket: 'month' }], 'line'),
    report(3, [{ field: 'owner' }], 'pie'),
    report(4, [{ field: 'createdAt', bucket: 'week' }], 'area'),
    report(5, [{ field: 'status' }, { field: 'stage' }], 'barStacked'),
    report(6, [{ field: 'forecastCategory' }], 'donut'),
    report(7, [{ field: 'status' }], 'table'),
    { id: 'k0', kind: 'kpi', x: 0, y: 12, w: 3, h: 2, kpi: { object: 'deals', measure: { fn: 'count' } } },
    {
      id: 'k1',
      kind: 'kpi',
      x: 3,
      y: 12,
      w: 3,
      h: 2,
      kpi: { object: 'deals', measure: { fn: 'sum', field: 'amount' } },
    },
    { id: 'l0', kind: 'list', x: 6, y: 12, w: 6, h: 4, list: { object: 'deals', limit: 10 } },
    { id: 'l1', kind: 'list', x: 0, y: 14, w: 6, h: 4, list: { object: 'tasks', limit: 10 } },
  ];
}

/**
 * Opens a dashboard in `page` (already signed in) and measures, in milliseconds, from the navigation's start to
 * every widget holding its data with each chart's SVG drawn: the median of `runs` cold loads (each a fresh page
 * load, so no cached answers).
 */
export async function dashboardDrawnMs(
  page: Page,
  url: string,
  runs = 3,
): Promise<{ median: number; all: number[] }> {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = Date.now();
    await page.goto(url);
    await page.waitForFunction(
      () => {
        const widgets = [...document.querySelectorAll('[data-testid="dashboard-widget"]')];
        return (
          widgets.length >= 12 &&
          widgets.every((w) => w.getAttribute('data-state') !== 'loading') &&
          [...document.querySelectorAll('[data-testid="report-chart"]')].every((c) =>
            c.querySelector('svg path'),
          )
        );
      },
      undefined,
      { timeout: 60_000 },
    );
    all.push(Date.now() - started);
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, all };
}
