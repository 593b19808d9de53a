import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';

/**
 * A minimal ECharts host (init, setOption, resize, dispose). echarts-for-react's build imports
 * `tslib` without declaring it, and the package is not installed at the top level, so the
 * bundle cannot resolve it; this keeps the chart working on echarts alone.
 */
export function EChart({ option, height = 360, testId }: { option: echarts.EChartsCoreOption; height?: number; testId?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current);
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);
  return <div ref={el} style={{ height, width: '100%' }} data-testid={testId} />;
}
