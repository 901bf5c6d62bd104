export { RecorderPool } from './recorder-pool.js';
export type { RecorderPoolOptions, RingStats } from './recorder-pool.js';
