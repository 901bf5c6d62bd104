/** The machine a result was measured on (goes into every report). */
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineInfo {
  nproc: number;
  cpu_model: string;
  mem_gb: number;
  node: string;
  kernel: string;
  loadavg_1m: number;
}

export function machineInfo(): MachineInfo {
  let model = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1];
  } catch {
    // not Linux
  }
  return {
    nproc: os.availableParallelism(),
    cpu_model: model,
    mem_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: os.release(),
    loadavg_1m: Math.round(os.loadavg()[0] * 100) / 100,
  };
}
