export { PortPool } from './port-pool.js';
export { LegReceiver } from './leg-receiver.js';
export type { LegReceiverCounters } from './leg-receiver.js';
