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
): Promise<{ median: number; all: number[]; phases: WidgetPhases[] }> {
  const all: number[] = [];
  const phases: WidgetPhases[] = [];
  let sent: number[] = [];
  let answered: number[] = [];
  const isRun = (u: string) => /\/dashboards\/[^/]+\/widgets\/[^/]+\/run$/.test(new URL(u).pathname);
  page.on('request', (r) => {
    if (isRun(r.url())) sent.push(Date.now());
  });
  page.on('requestfinished', (r) => {
    if (isRun(r.url())) answered.push(Date.now());
  });
  // Changes to the charts' SVG, counted in the page: how often the charts were drawn, whatever the machine's load.
  await page.addInitScript(() => {
    const w = window as unknown as { chartMutations: number };
    w.chartMutations = 0;
    new MutationObserver((records) => {
      for (const r of records)
        if (r.target instanceof Element && r.target.closest('[data-testid="report-chart"]'))
          w.chartMutations += 1;
    }).observe(document, { subtree: true, childList: true, attributes: true });
  });
  for (let i = 0; i < runs; i++) {
    sent = [];
    answered = [];
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
    const drawn = Date.now() - started;
    all.push(drawn);
    // Settled: what a second more adds is counted too (a chart drawn again after the last one appeared).
    await page.waitForTimeout(1000);
    phases.push({
      firstSent: Math.min(...sent) - started,
      lastSent: Math.max(...sent) - started,
      lastAnswered: Math.max(...answered) - started,
      drawn,
      chartMutations: await page.evaluate(
        () => (window as unknown as { chartMutations: number }).chartMutations,
      ),
    });
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? 0, all, phases };
}

/** One cold load's milestones, in ms from the navigation's start. */
export interface WidgetPhases {
  /** The first widget's run request sent (the page, its scripts and the dashboard's layout before it). */
  firstSent: number;
  /** The last widget's request made by the page (when it asked, not when a connection to the app was free). */
  lastSent: number;
  /** The last widget's answer in. */
  lastAnswered: number;
  /** Every widget drawn. */
  drawn: number;
  /** DOM changes inside the charts until a second after that (each chart drawn once: a few hundred). */
  chartMutations: number;
}
