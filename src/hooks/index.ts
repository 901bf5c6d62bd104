export { OnCompleteRunner } from './on-complete-runner.js';
export type { OnCompleteOptions, OnCompleteStatus } from './on-complete-runner.js';
export { CommandRun } from './run-command.js';
export type { CommandResult, RunOptions } from './run-command.js';
