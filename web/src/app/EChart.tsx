import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';

/**
 * A minimal ECharts host (init, setOption, resize, dispose) that every module's charts use.
 * Written out instead of echarts-for-react, whose build imports `tslib` without declaring it.
 */
export function EChart({ option, height = 240, loading = false, testId }: { option: echarts.EChartsCoreOption; height?: number; loading?: boolean; testId?: string }) {
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
  useEffect(() => {
    if (loading) chart.current?.showLoading();
    else chart.current?.hideLoading();
  }, [loading]);
  return <div ref={el} style={{ height, width: '100%' }} data-testid={testId} />;
}
