export { PortPool } from './port-pool.js';
export { LegReceiver } from './leg-receiver.js';
export type { RtpReceiver, RtpIo } from './receiver.js';
export { RELATCH_RUN, RELATCH_SILENCE_MS } from './receiver.js';
export { NativeLegReceiver, loadNativeReceiver, nativeReceiveStats } from './native-receiver.js';
export type { NativeReceiveStats } from './native-receiver.js';
export { chooseRtpIo, createReceiver, rtpIo } from './receiver-factory.js';
export type { RtpIoChoice } from './receiver-factory.js';
