/**
 * CPU used over one phase of a bench, in totals (for figures per phase; CpuSampler adds peaks and
 * threads when a bench needs them): the stack's processes by name, this process (the bench and,
 * where it runs here, the emulator), and everything else on the machine.
 */
import { cpuDelta, machineBusySeconds, treeCpuSeconds } from './proc';
import { round } from './stats';

export interface PhaseCpu {
  /** CPU seconds of the stack's processes, by process name (node, temporal, postgres, …). */
  stack: Record<string, number>;
  stackS: number;
  benchS: number;
  /** Busy CPU of the whole machine minus the stack and the bench: other users' work. */
  otherS: number;
  wallS: number;
}

/** CPU seconds this process has used since `before` (a `process.cpuUsage()` reading). */
export function benchCpuSeconds(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/**
 * Starts measuring; the returned function reads the totals since then. `stackCpu` samples the
 * stack's CPU seconds by name: the process tree of `rootPid`, or whatever a bench counts as its stack.
 */
export function cpuMeter(stackCpu: number | (() => Record<string, number>)): () => PhaseCpu {
  const sample = typeof stackCpu === 'number' ? () => treeCpuSeconds(stackCpu) : stackCpu;
  const stackBefore = sample();
  const benchBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  return () => {
    const stack = cpuDelta(stackBefore, sample());
    const benchS = benchCpuSeconds(benchBefore);
    const stackS = Object.values(stack).reduce((a, b) => a + b, 0);
    return {
      stack,
      stackS,
      benchS,
      otherS: Math.max(0, machineBusySeconds() - machineBefore - stackS - benchS),
      wallS: (performance.now() - started) / 1000,
    };
  };
}

/** `node 1.2 s, temporal 0.8 s` (names under 0.05 s left out, busiest first). */
export const cpuText = (cpu: Record<string, number>): string =>
  Object.entries(cpu)
    .filter(([, s]) => s >= 0.05)
    .sort(([, a], [, b]) => b - a)
    .map(([name, s]) => `${name} ${s.toFixed(1)} s`)
    .join(', ') || 'none';

export const roundCpu = (cpu: Record<string, number>, digits = 1): Record<string, number> =>
  Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v, digits)]));

/** A phase's CPU in one line, with a note when other processes took a fifth of a core or more. */
export const cpuLine = (cpu: PhaseCpu): string =>
  `${cpuText(cpu.stack)}, bench ${cpu.benchS.toFixed(1)} s, other processes ${cpu.otherS.toFixed(1)} s over ${cpu.wallS.toFixed(1)} s` +
  `${cpu.otherS / cpu.wallS > 0.2 ? ` (NOTE: the machine was not quiet: others used ${((cpu.otherS / cpu.wallS) * 100).toFixed(0)}% of a core)` : ''}`;

export const cpuJson = (cpu: PhaseCpu) => ({
  stack: roundCpu(cpu.stack),
  bench: round(cpu.benchS, 1),
  other: round(cpu.otherS, 1),
  wallS: round(cpu.wallS, 1),
});
