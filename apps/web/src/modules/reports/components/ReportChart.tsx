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
  onPick?: ((category: Category) => void) | undefined;
  height?: number;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const pick = useRef(onPick);
  pick.current = onPick;
  useEffect(() => {
    if (!ref.current) return;
    const instance = echarts.init(ref.current, undefined, { renderer: 'svg' });
    chart.current = instance;
    const observer = new ResizeObserver(() => instance.resize());
    observer.observe(ref.current);
    return () => {
      observer.disconnect();
      instance.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const instance = chart.current;
    if (!instance) return;
    instance.setOption(chartOption(model, look), { notMerge: true });
    instance.off('click');
    instance.on('click', (params) => {
      const category = model.categories[params.dataIndex];
      if (category && pick.current) pick.current(category);
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
