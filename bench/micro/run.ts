/**
 * Runs every bench/micro/*.bench.ts (compiled) in its own process, --repeat
 * times (default 3), and prints a markdown table of the median ns/op per
 * case; the raw results go to bench/results/micro.json.
 *
 *   npm run build && node dist/bench/micro/run.js [--repeat 3] [filter]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineInfo } from '../load/machine.js';
import { median } from '../load/summary.js';
import type { BenchResult } from './harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS = fileURLToPath(new URL('../../../bench/results/', import.meta.url));

function main(): void {
  const argv = process.argv.slice(2);
  let repeat = 3;
  let filter = '';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--repeat') repeat = Number(argv[++i]);
    else filter = argv[i];
  }
  const files = readdirSync(HERE).filter((f) => f.endsWith('.bench.js') && f.includes(filter)).sort();
  const byCase = new Map<string, BenchResult[]>();
  for (let r = 0; r < repeat; r++) {
    for (const f of files) {
      const out = spawnSync(process.execPath, [path.join(HERE, f)], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`${f} failed:\n${out.stderr}`);
      for (const line of out.stdout.split('\n')) {
        if (!line.startsWith('BENCH ')) continue;
        const res = JSON.parse(line.slice(6)) as BenchResult;
        const key = `${res.file}\t${res.name}`;
        byCase.set(key, [...(byCase.get(key) ?? []), res]);
      }
      process.stderr.write('.');
    }
  }
  process.stderr.write('\n');
  const rows = [...byCase.entries()].map(([key, rs]) => {
    const [file, name] = key.split('\t');
    const ns = median(rs.map((x) => x.ns_per_op)) ?? 0;
    return { file, name, ns_per_op: Math.round(ns * 100) / 100, runs: rs.map((x) => x.ns_per_op) };
  });
  const m = machineInfo();
  const lines = [
    `Micro benches, ${m.nproc} × ${m.cpu_model}, Node ${m.node}; median of ${repeat} processes (each the median of 7 rounds).`,
    '',
    '| bench | case | ns/op | runs |',
    '| --- | --- | ---: | --- |',
    ...rows.map((r) => `| ${r.file} | ${r.name} | ${r.ns_per_op} | ${r.runs.join(', ')} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(path.join(RESULTS, 'micro.json'), `${JSON.stringify({ at: new Date().toISOString(), machine: m, repeat, rows }, null, 2)}\n`);
}

main();
