export { runDrainLoop } from './drain-loop.js';
export { LegRecorder } from './leg-recorder.js';
export type { LegOpenRequest, LegCloseReport } from './leg-recorder.js';
export { LegTimeline, Placement, MAX_CLOCK_DISAGREEMENT_SAMPLES } from './leg-timeline.js';
export type { DrainMessage, DrainTask, DrainResult } from './messages.js';
