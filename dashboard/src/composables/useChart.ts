import { BarChart, LineChart, type BarSeriesOption, type LineSeriesOption } from 'echarts/charts';
import { GridComponent, TooltipComponent, type GridComponentOption, type TooltipComponentOption } from 'echarts/components';
import { init, use, type ComposeOption, type ECharts } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { onBeforeUnmount, onMounted, watch, type Ref } from 'vue';

// Only the parts the dashboard draws (bars, lines, axes, tooltips): ECharts' full build would be
// several hundred KB more.
use([BarChart, LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

export type ChartOption = ComposeOption<BarSeriesOption | LineSeriesOption | GridComponentOption | TooltipComponentOption>;

const reducedMotion = () => typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches;

/** Draws `option()` into `el`, redraws when it changes, follows the element's size, and frees the chart. */
export function useChart(el: Ref<HTMLElement | null>, option: () => ChartOption): void {
  let chart: ECharts | null = null;
  let observer: ResizeObserver | null = null;
  // Reduced motion (an OS setting, and what browser tests ask for): no animation.
  const draw = () => chart?.setOption({ animation: !reducedMotion(), ...option() }, { notMerge: true });

  onMounted(() => {
    if (!el.value) return;
    chart = init(el.value, undefined, { renderer: 'canvas' });
    draw();
    observer = new ResizeObserver(() => chart?.resize());
    observer.observe(el.value);
  });
  watch(option, draw);
  onBeforeUnmount(() => {
    observer?.disconnect();
    chart?.dispose();
    chart = null;
  });
}
