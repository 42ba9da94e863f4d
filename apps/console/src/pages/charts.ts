// Apache ECharts, only the parts the dashboards draw, rendered as SVG (crisp, and readable by
// assistive technology through ECharts' aria descriptions). Loaded with the dashboards page.
import { BarChart, LineChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

use([BarChart, LineChart, GridComponent, LegendComponent, TooltipComponent, AriaComponent, SVGRenderer]);

export interface Series {
  name: string;
  /** null: a suppressed or empty cell, drawn as a gap, never as zero. */
  values: Array<number | null>;
  kind: 'bar' | 'line';
  stack?: string;
}

const PALETTE = ['#0b4f8a', '#b35900', '#1b6b2f', '#7a1f7a', '#a4161a', '#4f5863', '#00707a', '#6b5300'];

export function drawChart(el: HTMLElement, categories: string[], series: Series[], format: (v: number) => string, description: string): ECharts {
  const chart = init(el, undefined, { renderer: 'svg' });
  chart.setOption({
    color: PALETTE,
    animation: false,
    aria: { enabled: true, label: { description } },
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? format(v) : '—') },
    legend: { top: 0, textStyle: { color: '#1b1f24' } },
    grid: { left: 56, right: 16, top: 36, bottom: 28 },
    xAxis: { type: 'category', data: categories, axisLabel: { color: '#1b1f24' } },
    yAxis: { type: 'value', axisLabel: { color: '#1b1f24', formatter: (v: number) => format(v) } },
    series: series.map((s) => ({ name: s.name, type: s.kind, stack: s.stack, data: s.values, connectNulls: false })),
  });
  return chart;
}
