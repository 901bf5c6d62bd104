export { RecorderMetrics } from './recorder-metrics.js';
export type { MetricsDeps } from './recorder-metrics.js';
