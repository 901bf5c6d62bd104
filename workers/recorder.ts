/**
 * Piscina entry points. Thin on purpose: every algorithm lives in src/ where
 * tests reach it without a thread. Tasks answer { ok, ... } or
 * { ok: false, code, message }; src/pool/ turns codes back into errors.
 */
import { runDrainLoop } from '../src/record/index.js';
import type { DrainResult, DrainTask } from '../src/record/index.js';
import { renderLegFiles } from '../src/storage/wav-mix.js';
import type { MixResult, RenderRequest } from '../src/storage/wav-mix.js';

export function drain(task: DrainTask): DrainResult {
  try {
    return runDrainLoop(task);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, code: e.code ?? 'CALLREC_ERR_WORKER', message: e.message };
  }
}

/** Mixed and/or stereo files from the legs, in one pass. */
export function mix(task: RenderRequest): ({ ok: true } & MixResult) | { ok: false; code: string; message: string } {
  try {
    return { ok: true, ...renderLegFiles(task) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { ok: false, code: e.code ?? 'CALLREC_ERR_WORKER', message: e.message };
  }
}
