export { Session, LEG_NAMES } from './session.js';
export type { LegName, PauseBehavior, PauseInterval, SessionLeg, SessionState } from './session.js';
export { SessionRegistry } from './registry.js';
export type { CreateSessionRequest, EndReason, RegistryDeps, FinalizedListener, Refusal } from './registry.js';
