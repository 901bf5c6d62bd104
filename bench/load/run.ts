/**
 * `npm run bench -- --calls N --seconds S …` (SPEC §7): start the recorder,
 * drive N calls of real-time G.711 RTP at it over loopback, hang them up,
 * check every file, print one JSON report. Progress goes to stderr, the
 * report to stdout (and --out). Exit 0 when every call was created, hung up
 * and verified; loss does not fail a run, it is what the run measures.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseBenchArgs } from './args.js';
import { runCompare } from './compare.js';
import type { BenchOptions } from './args.js';
import type { RunParams } from './calls.js';
import { checkCall } from './checker.js';
import type { CallCheck } from './checker.js';
import { buildContentTables, threshold, writeContentTables } from './content.js';
import { closeAgent, requestJson } from './http-client.js';
import { machineInfo } from './machine.js';
import { Monitor } from './monitor.js';
import { cpuDelta, snapshotProcess, udpDrops, udpRcvbufErrors } from './proc-stats.js';
import { steadyState, sumRecorderCounters } from './report-parts.js';
import { startRecorder } from './recorder-process.js';
import type { RecorderProcess } from './recorder-process.js';
import { nowNs, runChurn, runFixed } from './scenarios.js';
import { SenderPool, sumSenderStats } from './sender-pool.js';
import { distribution, median, round, slope } from './summary.js';

const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

interface Health {
  rings?: { capacity: number; used: number; highWater: number }[];
  workers?: unknown;
  active_calls?: number;
  rtp_io?: string;
  native_receive?: { wakeups: number; recv_calls: number; datagrams: number } | null;
}

/** Ports for the run: even ports for every leg (twice that under churn), below the ephemeral range. */
function portRange(legs: number, churn: boolean): [number, number] {
  const size = 2 * ((churn ? legs * 2 : legs) + 100);
  const lo = 10000;
  const room = Math.max(0, 32000 - lo - size);
  const base = lo + 2 * Math.floor((Math.random() * room) / 2);
  return [base, Math.min(65534, base + size - 1)];
}

export async function runBench(opts: BenchOptions): Promise<Record<string, unknown>> {
  const startedAt = new Date().toISOString();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'callrec-bench-'));
  const tables = buildContentTables();
  const tablePaths = writeContentTables(tables, tmp);
  const legs = opts.calls * 2;
  let recorder: RecorderProcess | null = null;
  let senders: SenderPool | null = null;
  let portMin = 0;
  let portMax = 65535;
  const cleanup = () => {
    senders?.kill();
    recorder?.child.kill('SIGKILL');
  };
  const onSignal = () => {
    cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    let url: string;
    let pid: number | null;
    let sessionsDir: string | null;
    if (opts.url !== null) {
      url = opts.url.replace(/\/$/, '');
      pid = opts.pid;
      sessionsDir = opts.sessionsDir;
    } else {
      [portMin, portMax] = portRange(legs, opts.churn);
      sessionsDir = path.join(tmp, 'sessions');
      mkdirSync(sessionsDir);
      if (opts.cpuProfDir !== null) mkdirSync(opts.cpuProfDir, { recursive: true });
      recorder = await startRecorder({
        sessionsDir,
        rtpPortMin: portMin,
        rtpPortMax: portMax,
        workers: opts.workers,
        logLevel: opts.recorderLogLevel,
        cpuProfDir: opts.cpuProfDir ?? undefined,
        logFile: path.join(tmp, 'recorder.log'),
        nice: opts.recorderNice,
        rtPriority: opts.recorderRtPriority,
        main: opts.recorderMain ?? undefined,
        nodeFlags: opts.recorderNodeFlags,
        rtpIo: opts.rtpIo,
      });
      url = recorder.url;
      pid = recorder.pid;
      log(`recorder pid ${pid} at ${url}, ports ${portMin}-${portMax}, tmp ${tmp}`);
    }
    const healthStart = await requestJson<Health>('GET', `${url}/healthz`);
    if (healthStart.status !== 200) throw new Error(`GET /healthz: ${healthStart.status}`);

    senders = new SenderPool(opts.senders, tablePaths, opts.senderNice, opts.senderRtPriority);
    await senders.ready();
    const senderPids = senders.pids;
    const hrOffsetMs = performance.timeOrigin + performance.now() - Number(process.hrtime.bigint()) / 1e6;
    const params: RunParams = {
      url,
      codec: opts.codec,
      lossThr: threshold(opts.loss),
      reorderThr: threshold(opts.reorder * 2), // only even packets can swap: twice the chance each
      sessionsDir,
      monoToEpochMs: (ns) => Number(ns) / 1e6 + hrOffsetMs,
    };

    const monitor = new Monitor(url, pid);
    monitor.generatorPids = senderPids;
    monitor.start();
    const procStart = pid === null ? null : snapshotProcess(pid);
    const rcvbufStart = udpRcvbufErrors();
    const runnerCpuStart = process.cpuUsage();
    log(`${opts.churn ? 'churn' : 'fixed'}: ${opts.calls} calls, ${opts.seconds} s, ${opts.codec}, loss ${opts.loss}, reorder ${opts.reorder}, ${opts.senders} sender(s)`);

    let kernelDrops: ReturnType<typeof udpDrops> | null = null;
    let procBeforeHangups: ReturnType<typeof snapshotProcess> = null;
    const scenario = await (opts.churn ? runChurn : runFixed)({
      params,
      senders,
      pid,
      calls: opts.calls,
      seconds: opts.seconds,
      warmupS: opts.warmupS,
      createConcurrency: opts.createConcurrency,
      hangupConcurrency: opts.hangupConcurrency,
      minCallS: opts.minCallS,
      maxCallS: opts.maxCallS,
      beforeHangups: async () => {
        if (opts.url === null) kernelDrops = udpDrops(portMin, portMax);
        procBeforeHangups = pid === null ? null : snapshotProcess(pid);
        return null;
      },
      log,
    });
    await new Promise((r) => setTimeout(r, 1200)); // one more monitor sample after the hangups
    monitor.stop();
    const healthEnd = await requestJson<Health>('GET', `${url}/healthz`);
    closeAgent(); // our keep-alive connections would count as the recorder's fds
    await new Promise((r) => setTimeout(r, 300));
    const procEnd = pid === null ? null : snapshotProcess(pid);
    const rcvbufEnd = udpRcvbufErrors();
    const runnerCpu = process.cpuUsage(runnerCpuStart);
    const senderFinal = sumSenderStats(await senders.close());
    let recorderExit: number | null = null;
    if (recorder !== null) {
      log('stopping the recorder (SIGTERM)');
      recorderExit = await recorder.stop();
    }

    // Check the files.
    const calls = scenario.calls;
    const finished = calls.filter((c) => c.info !== null);
    let checks: CallCheck[] = [];
    if (opts.check && sessionsDir !== null) {
      log(`checking ${finished.length * 3} files`);
      const t = performance.now();
      checks = finished.map((c) => checkCall(c.recorded(params)!, tables));
      log(`checked in ${Math.round(performance.now() - t)} ms`);
    }

    const rec = sumRecorderCounters(finished);
    const legChecks = checks.flatMap((c) => [c.legs.incoming, c.legs.outgoing]);
    const checked = checks.length > 0;
    const sent = checked ? legChecks.reduce((s, l) => s + l.sent, 0) : senderFinal.sent;
    const recorded = checked ? legChecks.reduce((s, l) => s + l.recorded, 0) : rec.recorded;
    const filesOk = checks.reduce((s, c) => s + (c.legs.incoming.ok ? 1 : 0) + (c.legs.outgoing.ok ? 1 : 0) + (c.mixed.ok ? 1 : 0), 0);
    const failures = checks
      .filter((c) => !c.ok)
      .slice(0, 5)
      .map((c) => ({ session_id: c.sessionId, incoming: c.legs.incoming.problems, outgoing: c.legs.outgoing.problems, mixed: c.mixed.problem }));

    // CPU over the steady window.
    const a = scenario.windowA;
    const b = scenario.windowB;
    const steady = pid !== null && a && b ? steadyState(pid, a, b, os.availableParallelism()) : null;
    const whole = pid !== null && procStart && procEnd ? cpuDelta(pid, procStart, procEnd) : null;
    const hangups = finished.map((c) => c.hangupMs ?? 0);
    const creates = calls.filter((c) => c.sessionId !== '').map((c) => c.createMs);
    const placement = legChecks.map((l) => l.placementErrorMs).filter((x): x is number => x !== null);
    const senderCpu = senderFinal.utime_s + senderFinal.stime_s;
    const late5 = Object.entries(senderFinal.late_hist_us)
      .filter(([k]) => k === '<10000' || k === '<20000' || k === '<50000' || k.startsWith('>='))
      .reduce((s, [, v]) => s + v, 0);
    const rings = healthEnd.body.rings ?? [];
    const timeline = monitor.timeline;
    const rssPoints = timeline.filter((p) => p.rss_mb !== null).map((p) => [p.t, p.rss_mb!] as [number, number]);
    // RSS trend over the steady window (monitor time is ms since it started, like WindowPoint.atMs).
    const inWindow = a && b ? rssPoints.filter(([t]) => t * 1000 >= a.atMs - monitor.startedAtMs && t * 1000 <= b.atMs - monitor.startedAtMs) : [];
    let profiles: string[] | null = null;
    if (opts.cpuProfDir !== null) profiles = readdirSync(opts.cpuProfDir).filter((f) => f.endsWith('.cpuprofile'));

    const notes: string[] = [];
    const mainWait = steady?.main_thread_runqueue_wait_pct ?? null;
    if (mainWait !== null && mainWait > 20) {
      notes.push(
        `the recorder's main thread waited for a CPU ${mainWait}% of the window (other work on the machine: ${steady?.others_cpu_pct}% of a CPU); loss here measures the machine, not the recorder — see --recorder-rt`,
      );
    }
    if (senderFinal.late_max_us > 20_000) notes.push(`the generator was up to ${round(senderFinal.late_max_us / 1000, 1)} ms late (see generator.late_hist_us)`);
    const ok =
      scenario.createFailures.length === 0 &&
      finished.length === calls.length &&
      (!checked || checks.every((c) => c.ok)) &&
      (recorderExit === null || recorderExit === 0);
    const report = {
      bench: 'callrec load',
      started_at: startedAt,
      machine: machineInfo(),
      params: {
        mode: opts.churn ? 'churn' : 'fixed',
        calls: opts.calls,
        seconds: opts.seconds,
        codec: opts.codec,
        loss: opts.loss,
        reorder: opts.reorder,
        ...(opts.churn ? { min_call_s: opts.minCallS, max_call_s: opts.maxCallS } : {}),
        workers: opts.workers ?? 'default',
        senders: opts.senders,
        sender_nice: opts.senderNice,
        sender_rt_priority: opts.senderRtPriority,
        recorder_nice: opts.url === null ? opts.recorderNice : null,
        recorder_rt_priority: opts.url === null ? opts.recorderRtPriority : null,
        url: opts.url ?? 'own process',
        recorder: opts.url === null ? (opts.recorderMain ?? 'dist/src/main.js') : null,
        rtp_ports: opts.url === null ? `${portMin}-${portMax}` : null,
        rtp_io: healthStart.body.rtp_io ?? null,
      },
      ok,
      notes,
      calls: calls.length,
      calls_created: calls.filter((c) => c.sessionId !== '').length,
      calls_finished: finished.length,
      packets_sent: sent,
      packets_injected_lost: checked ? legChecks.reduce((s, l) => s + l.injectedDropped, 0) : senderFinal.injected_dropped,
      packets_recorded: recorded,
      // Not in the files as sent: missing (silence where the packet belongs) or misplaced (audio that is not the packet's).
      packets_lost: sent - recorded,
      packets_misplaced: checked ? legChecks.reduce((s, l) => s + l.mismatched, 0) : null,
      loss_pct: round(sent > 0 ? ((sent - recorded) / sent) * 100 : 0, 4),
      recorder_counters: { ...rec, kernel_udp_drops: kernelDrops, udp_rcvbuf_errors_systemwide: rcvbufEnd - rcvbufStart },
      recorder: {
        pid,
        exit_code: recorderExit,
        steady_state: steady,
        whole_run: whole && { seconds: whole.seconds, cpu_s: whole.totalS, main_thread_cpu_s: whole.mainS, by_thread_name_s: whole.byName },
        peak_rss_mb: procEnd ? round(procEnd.hwmKb / 1024, 1) : null,
        rss_before_hangups_mb: procBeforeHangups ? round((procBeforeHangups as { rssKb: number }).rssKb / 1024, 1) : null,
        rss_end_mb: procEnd ? round(procEnd.rssKb / 1024, 1) : null,
        rss_slope_mb_per_min_steady: round((slope(inWindow) ?? 0) * 60, 2),
        fds: { start: procStart?.fds ?? null, end: procEnd?.fds ?? null },
        threads: procEnd?.threadsCount ?? null,
        ring_high_water_bytes: rings.map((r) => r.highWater),
        ring_capacity_bytes: rings[0]?.capacity ?? null,
        ring_high_water_pct: rings.length ? round((Math.max(...rings.map((r) => r.highWater)) / rings[0].capacity) * 100, 2) : null,
        active_calls_end: healthEnd.body.active_calls ?? null,
        // The native receiver's batching over the whole run: datagrams per wake-up and per recvmmsg call.
        native_receive: healthEnd.body.native_receive ?? null,
        profiles,
      },
      create_ms: { ...distribution(creates), wall: round(scenario.createWallMs, 0) },
      finalize_ms: { ...distribution(hangups), wall: round(scenario.hangupWallMs, 0), concurrency: opts.hangupConcurrency },
      generator: {
        processes: opts.senders,
        pids: senderPids,
        packets_sent: senderFinal.sent,
        send_errors: senderFinal.send_errors,
        cpu_s: round(senderCpu, 3),
        user_s: round(senderFinal.utime_s, 3),
        system_s: round(senderFinal.stime_s, 3),
        us_per_packet: round((senderCpu * 1e6) / Math.max(1, senderFinal.sent), 2),
        sendmmsg_calls: senderFinal.batches,
        late_max_ms: round(senderFinal.late_max_us / 1000, 2),
        late_over_5ms_pct: round((late5 / Math.max(1, senderFinal.sent)) * 100, 3),
        late_hist_us: senderFinal.late_hist_us,
        runner_cpu_s: round((runnerCpu.user + runnerCpu.system) / 1e6, 2),
      },
      check: checked
        ? {
            files: checks.length * 3,
            files_verified: filesOk,
            calls_ok: checks.filter((c) => c.ok).length,
            legs_without_loss: legChecks.filter((l) => l.ok && l.lost === 0).length,
            packets_mismatched: legChecks.reduce((s, l) => s + l.mismatched, 0),
            recorder_recorded_matches_files: rec.recorded === recorded,
            first_packet_placement_error_ms: { ...distribution(placement, 2), median: round(median(placement), 2) },
            failures,
          }
        : null,
      create_failures: scenario.createFailures.slice(0, 5),
      hangup_failures: finished.length === calls.length ? [] : calls.filter((c) => c.error !== null).slice(0, 5).map((c) => c.error),
      timeline,
    };
    return report;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cleanup();
    if (opts.keep) log(`kept ${tmp}`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const started = nowNs();
  const report = opts.compare ? await runCompare(opts) : await runBench(opts);
  log(`done in ${Math.round(Number(nowNs() - started) / 1e9)} s`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  if (opts.out !== null) writeFileSync(opts.out, text);
  process.stdout.write(text);
  process.exitCode = report.ok ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  });
}
