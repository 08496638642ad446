/** Events per minute with uPlot (a small, well-kept canvas chart library). */
import type { MinuteSeries } from '@exhaust/schema';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export function EventsChart({ series, label }: { series: MinuteSeries; label: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return;
    const start = Date.parse(series.start) / 1000;
    const xs = series.counts.map((_, i) => start + i * 60);
    const width = Math.max(280, element.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 180,
        legend: { show: false },
        series: [{}, { label: 'events', stroke: '#1d4ed8', fill: 'rgba(29, 78, 216, 0.12)', width: 2 }],
        axes: [{}, { size: 48 }],
      },
      [xs, series.counts],
      element,
    );
    const resize = () => plot.setSize({ width: Math.max(280, element.clientWidth), height: 180 });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [series]);
  const total = series.counts.reduce((a, b) => a + b, 0);
  return (
    <figure>
      <div ref={host} role="img" aria-label={`${label}: ${total} events, per minute`} />
      <figcaption>
        {label}: {total} events
      </figcaption>
    </figure>
  );
}
