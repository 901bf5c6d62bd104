/**
 * The SIP / SIPREC recording server (SPEC §2b). What the rest of callrec and
 * the tests may use; everything else in src/sip/ is internal.
 */
export { startSipServer } from './server.js';
export type { SipLevels, SipServer, SipServerDeps } from './server.js';
export { RFC3261_TIMERS } from './transaction/timers.js';
export type { SipTimers } from './transaction/timers.js';
export type { TcpLimits } from './transport/tcp.js';

// Pure protocol pieces (parsers, serializers), exported for tests and tools.
export { parseSipMessage, SIP_LIMITS } from './message/parse.js';
export type { ParseFailure, ParseResult } from './message/parse.js';
export { serializeMessage } from './message/serialize.js';
export { SipStreamFramer } from './message/stream-framer.js';
export type { FrameError, FrameSink } from './message/stream-framer.js';
export { getHeader, getHeaders } from './message/message.js';
export type { SipHeader, SipMessage, SipRequest, SipResponse } from './message/message.js';
export { parseNameAddr, parseVia, parseCSeq, parseContentType, splitList } from './message/header-values.js';
export { parseUri, uriUser } from './message/uri.js';
export { bodyParts } from './message/multipart.js';
export type { BodyPart } from './message/multipart.js';
export { parseSdp } from './sdp/parse.js';
export type { SdpMedia, SdpSession, Direction } from './sdp/parse.js';
export { buildSdpAnswer, answerDirection } from './sdp/answer.js';
export { recordableCodecs } from './sdp/codecs.js';
export { parseXml } from './metadata/xml-reader.js';
export type { XmlElement } from './metadata/xml-reader.js';
export { parseRsMetadata, sentLabels } from './metadata/rs-metadata.js';
export type { RsMetadata, RsParticipant, RsStream } from './metadata/rs-metadata.js';
export { planStreams } from './srs/stream-plan.js';
export type { StreamPlan, StreamPlanInput } from './srs/stream-plan.js';
export { readOffer } from './srs/offer.js';
