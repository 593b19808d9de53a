import { useEffect, useRef } from 'react';
import * as echarts from 'echarts';

/**
 * A minimal echarts host. echarts-for-react 3.0.6 imports `tslib` without declaring it, so the build
 * cannot resolve it here; this does the same job (init, setOption, resize, dispose) in a few lines.
 */
export function EChart({ option, height = 220 }: { option: echarts.EChartsCoreOption; height?: number }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const c = echarts.init(el.current!);
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el.current!);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={el} style={{ height, width: '100%' }} />;
}
