/**
 * Kernel receive-queue drops of the dgram path's sockets. node:dgram exposes
 * no SO_RXQ_OVFL, so they come from /proc/net/udp's `drops` column (one row
 * per socket, keyed here by local port). The table is read asynchronously at
 * most once a second, when someone asks: a value may be up to a second old,
 * and a socket's last second before it closes may be missed. Where
 * /proc/net/udp cannot be read (not Linux), every value is 0.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';

const REFRESH_MS = 1000;
let drops = new Map<number, number>();
let readAt = -Infinity;
let reading = false;

function parse(text: string): Map<number, number> {
  const out = new Map<number, number>();
  const lines = text.split('\n');
  for (let i = 1; i < lines.length; i++) {
    const cols = lines[i].trim().split(/\s+/);
    if (cols.length < 13) continue;
    const colon = cols[1].lastIndexOf(':');
    const n = Number(cols[cols.length - 1]);
    if (colon > 0 && n > 0) out.set(parseInt(cols[1].slice(colon + 1), 16), n);
  }
  return out;
}

function refresh(): void {
  if (reading || performance.now() - readAt < REFRESH_MS) return;
  reading = true;
  readFile('/proc/net/udp', 'utf8').then(
    (text) => { drops = parse(text); },
    () => { /* not Linux, or no procfs: counts stay 0 */ },
  ).finally(() => {
    readAt = performance.now();
    reading = false;
  });
}

/** Drops the kernel counted on the UDP socket bound to `port` (as last read). */
export function kernelDrops(port: number): number {
  refresh();
  return drops.get(port) ?? 0;
}
