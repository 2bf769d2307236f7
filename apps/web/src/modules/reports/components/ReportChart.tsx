import { BarChart, FunnelChart, LineChart, PieChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';
import type { Category, ChartModel } from '../utils/chart-model.ts';
import { type ChartLook, chartOption } from '../utils/chart-model.ts';

echarts.use([
  BarChart,
  FunnelChart,
  LineChart,
  PieChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  AriaComponent,
  SVGRenderer,
]);

/**
 * A report drawn by ECharts (SVG, so its text stays text): bars, lines, areas or a pie, right to left in ar/fa.
 * Clicking a bar, point or slice hands its category to `onPick` (the page opens its records).
 */
export function ReportChart({
  model,
  look,
  onPick,
  height = 380,
}: {
  model: ChartModel;
  look: ChartLook;
  /** The clicked category, and the measure its series draws. */
  onPick?: ((category: Category, measure?: number) => void) | undefined;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  /** What the chart last drew (its option as JSON, and how it formats a number). */
  const shown = useRef<string | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  useEffect(() => {
    if (!ref.current) return;
    const box = ref.current;
    const instance = echarts.init(box, undefined, { renderer: 'svg' });
    chart.current = instance;
    // Laid out again only when the box's size changed: an observer also reports the size it starts with, and a
    // resize redraws the whole chart.
    let size = `${box.clientWidth}x${box.clientHeight}`;
    const observer = new ResizeObserver(() => {
      const now = `${box.clientWidth}x${box.clientHeight}`;
      if (now === size) return;
      size = now;
      instance.resize();
    });
    observer.observe(box);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
      shown.current = null;
    };
  }, []);
  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    // Drawn again only when what it shows changed. Parents hand equal but new models and looks on every render
    // (a dashboard re-renders all its widgets as each one's answer arrives), and redrawing every chart each time
    // took seconds of the browser's time on a twelve-widget dashboard. The option's functions only format numbers
    // (`look.formatNumber`, probed with a sample) and names (in the option's data).
    const option = chartOption(model, look);
    const drawn = `${JSON.stringify(option)}|${look.formatNumber(-1234567.891)}`;
    if (drawn !== shown.current) {
      shown.current = drawn;
      instance.setOption(option, { notMerge: true });
    }
    instance.off('click');
    instance.on('click', (params) => {
      const category = model.categories[params.dataIndex];
      if (category && pick.current) pick.current(category, model.series[params.seriesIndex ?? -1]?.measure);
    });
  }, [model, look]);
  // The chart lays itself out from the options (mirrored for ar/fa); an inherited rtl would flip ECharts' own
  // text anchoring a second time and push the legend's text out of the box.
  return (
    <div
      ref={ref}
      data-testid="report-chart"
      data-direction={look.rtl ? 'rtl' : 'ltr'}
      dir="ltr"
      style={{ width: '100%', height }}
    />
  );
}
