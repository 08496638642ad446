// Page entry bundled by the spec with esbuild: Segment's analytics-next,
// unchanged, loaded WITHOUT its CDN (settings given inline) and pointed at the
// collector through the Segment.io integration's apiHost/protocol.
import { AnalyticsBrowser } from '@segment/analytics-next';

interface CollectorTarget {
  writeKey: string;
  /** host:port/v1: analytics-next posts to `${protocol}://${apiHost}/t` (and /p, /i, ...). */
  apiHost: string;
}

const target = (window as unknown as { collector: CollectorTarget }).collector;
const segmentIo = { apiKey: target.writeKey, apiHost: target.apiHost, protocol: 'http' as const };
(window as unknown as { analytics: AnalyticsBrowser }).analytics = AnalyticsBrowser.load(
  {
    writeKey: target.writeKey,
    cdnSettings: { integrations: { 'Segment.io': segmentIo }, metrics: { sampleRate: 0 } },
  },
  { integrations: { 'Segment.io': segmentIo } },
);
