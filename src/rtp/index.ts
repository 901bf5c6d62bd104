export {
  RTP_VERSION,
  RTP_FIXED_HEADER_BYTES,
  RtpParseResult,
  createRtpHeader,
  parseRtpHeader,
} from './header.js';
export type { RtpHeader } from './header.js';
export { timestampDelta, sequenceDelta } from './wrap.js';
export { PayloadType, DEFAULT_TELEPHONE_EVENT_PT, G711_SAMPLE_RATE } from './payload-types.js';
