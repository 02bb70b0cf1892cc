/**
 * CPU of a process tree over time: a sample of `treeCpuSeconds` every second, so a bench can say
 * not only how much CPU each kind of process (node, temporal, postgres) used in total but also
 * whether one of them was pinned at a full core while the others waited (a single-threaded
 * bottleneck, such as one SQLite writer, shows up as a peak near 100% of one core).
 */
import fs from 'node:fs';
import { clockTicks, cpuDelta, machineBusySeconds, processTree, treeCpuSeconds } from './proc';

/**
 * Seconds the threads of each process kind in the tree spent runnable but waiting for a CPU
 * (/proc/<pid>/task/<tid>/schedstat, second field), summed over threads. Its rate is the average
 * number of threads kept waiting: more than a few hundredths means the machine is short of cores.
 */
function treeRunWaitSeconds(rootPid: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const p of processTree(rootPid)) result[p.name] = (result[p.name] ?? 0) + processRunWaitSeconds(p.pid);
  return result;
}

/** Seconds the threads of one process (e.g. the bench itself) spent waiting for a CPU so far. */
export function processRunWaitSeconds(pid: number): number {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  let total = 0;
  for (const tid of tids) {
    try {
      const waitNs = Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
      if (Number.isFinite(waitNs)) total += waitNs / 1e9;
    } catch {
      // The thread ended meanwhile (its wait leaves the sum: a slight undercount).
    }
  }
  return total;
}

/** CPU seconds (utime + stime) of every thread of `pid`, by thread id, with the thread names. */
function threadCpuSeconds(pid: number): Map<number, { name: string; cpuS: number }> {
  const result = new Map<number, { name: string; cpuS: number }>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return result;
  }
  for (const tid of tids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const close = text.lastIndexOf(')');
      const rest = text.slice(close + 2).split(' ');
      // Fields 14 and 15 of proc(5) (utime, stime) are rest[11] and rest[12].
      result.set(Number(tid), { name: text.slice(text.indexOf('(') + 1, close), cpuS: (Number(rest[11]) + Number(rest[12])) / clockTicks });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return result;
}

export interface ThreadCpu {
  tid: number;
  name: string;
  /** The process's main thread (tid = pid): for node, the event loop. */
  main: boolean;
  cpuS: number;
  meanPct: number;
  peakPct: number;
}

export interface CpuByName {
  /** CPU seconds used during the sampled period. */
  cpuS: number;
  /** Average share of one core over the period, %. */
  meanPct: number;
  /** Average number of its threads that were runnable but waiting for a CPU. */
  waitingThreads: number;
  /** Highest share of one core in any one sample interval, %. */
  peakPct: number;
}

export interface CpuReport {
  wallS: number;
  byName: Record<string, CpuByName>;
  /** Everything in the tree, as a share of one core (200% = both cores of a 2-core machine). */
  treeMeanPct: number;
  treePeakPct: number;
  /** CPU seconds the whole machine was busy meanwhile (all processes, the bench's own included). */
  machineBusyS: number;
  /** Highest share of the whole machine busy in any one sample interval, % of one core. */
  machinePeakPct: number;
  /** The busiest threads of the root process, busiest first: a thread near 100% is a ceiling no second core lifts. */
  rootThreads: ThreadCpu[];
}

export class CpuSampler {
  private readonly first: Record<string, number>;
  private readonly firstMachine: number;
  private readonly startedAt: number;
  private last: Record<string, number>;
  private lastMachine: number;
  private lastAt: number;
  private readonly peaks: Record<string, number> = {};
  private treePeak = 0;
  private machinePeak = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly firstWait: Record<string, number>;
  private readonly firstThreads: Map<number, { name: string; cpuS: number }>;
  private lastThreads: Map<number, { name: string; cpuS: number }>;
  private readonly threadPeaks = new Map<number, number>();

  constructor(
    private readonly rootPid: number,
    intervalMs = 1_000,
  ) {
    this.first = this.last = treeCpuSeconds(rootPid);
    this.firstMachine = this.lastMachine = machineBusySeconds();
    this.firstWait = treeRunWaitSeconds(rootPid);
    this.firstThreads = this.lastThreads = threadCpuSeconds(rootPid);
    this.startedAt = this.lastAt = performance.now();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  private sample(): void {
    const now = performance.now();
    const seconds = (now - this.lastAt) / 1000;
    // Peaks need a whole interval: over a few milliseconds one clock tick (10 ms) is a 100% error.
    if (seconds < 0.5) return;
    const current = treeCpuSeconds(this.rootPid);
    const machine = machineBusySeconds();
    const delta = cpuDelta(this.last, current);
    let tree = 0;
    for (const [name, s] of Object.entries(delta)) {
      const pct = (Math.max(0, s) / seconds) * 100;
      tree += pct;
      this.peaks[name] = Math.max(this.peaks[name] ?? 0, pct);
    }
    this.treePeak = Math.max(this.treePeak, tree);
    this.machinePeak = Math.max(this.machinePeak, ((machine - this.lastMachine) / seconds) * 100);
    const threads = threadCpuSeconds(this.rootPid);
    for (const [tid, t] of threads) {
      const pct = ((t.cpuS - (this.lastThreads.get(tid)?.cpuS ?? 0)) / seconds) * 100;
      this.threadPeaks.set(tid, Math.max(this.threadPeaks.get(tid) ?? 0, pct));
    }
    this.lastThreads = threads;
    this.last = current;
    this.lastMachine = machine;
    this.lastAt = now;
  }

  /** Takes a last sample and reports the whole period since construction. */
  stop(): CpuReport {
    clearInterval(this.timer);
    this.sample();
    // Totals run to now, whether or not the last interval was long enough for a peak.
    const now = performance.now();
    this.last = treeCpuSeconds(this.rootPid);
    this.lastMachine = machineBusySeconds();
    this.lastThreads = threadCpuSeconds(this.rootPid);
    this.lastAt = now;
    const wallS = (this.lastAt - this.startedAt) / 1000;
    const total = cpuDelta(this.first, this.last);
    const wait = cpuDelta(this.firstWait, treeRunWaitSeconds(this.rootPid));
    const byName: Record<string, CpuByName> = {};
    let treeS = 0;
    for (const [name, s] of Object.entries(total)) {
      const cpuS = Math.max(0, s);
      treeS += cpuS;
      byName[name] = {
        cpuS,
        meanPct: wallS > 0 ? (cpuS / wallS) * 100 : 0,
        peakPct: this.peaks[name] ?? 0,
        waitingThreads: wallS > 0 ? Math.max(0, wait[name] ?? 0) / wallS : 0,
      };
    }
    const rootThreads: ThreadCpu[] = [...this.lastThreads]
      .map(([tid, t]) => {
        const cpuS = t.cpuS - (this.firstThreads.get(tid)?.cpuS ?? 0);
        return {
          tid,
          name: t.name,
          main: tid === this.rootPid,
          cpuS,
          meanPct: wallS > 0 ? (cpuS / wallS) * 100 : 0,
          peakPct: this.threadPeaks.get(tid) ?? 0,
        };
      })
      .sort((a, b) => b.cpuS - a.cpuS)
      .slice(0, 4);
    return {
      wallS,
      byName,
      rootThreads,
      treeMeanPct: wallS > 0 ? (treeS / wallS) * 100 : 0,
      treePeakPct: this.treePeak,
      machineBusyS: this.lastMachine - this.firstMachine,
      machinePeakPct: this.machinePeak,
    };
  }
}
