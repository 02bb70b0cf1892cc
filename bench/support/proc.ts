/**
 * Linux /proc readers: process trees, resident memory and CPU time of a tree. Everything here is
 * synchronous so it can also run in an `exit` handler.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** One-letter state: R running, S sleeping, Z zombie, … */
  state: string;
  /** Process group id. */
  pgrp: number;
  /** Executable name (`comm`), e.g. node, temporal, postgres. */
  name: string;
  /** Start time in clock ticks since boot: with the pid, it identifies a process despite pid reuse. */
  startTime: number;
  /** utime + stime + cutime + cstime, in clock ticks (own CPU plus that of reaped children). */
  cpuTicks: number;
}

/** Clock ticks per second, for the CPU figures of /proc/<pid>/stat. */
export const clockTicks: number = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Parses /proc/<pid>/stat; undefined when the process is gone. */
export function readProc(pid: number): ProcInfo | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The name is in parentheses and may itself contain spaces or parentheses: cut at the last ')'.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  const name = text.slice(open + 1, close);
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state) of proc(5); field n is rest[n - 3].
  const field = (n: number) => Number(rest[n - 3]);
  return {
    pid,
    ppid: field(4),
    state: rest[0] ?? '?',
    pgrp: field(5),
    name,
    startTime: field(22),
    cpuTicks: field(14) + field(15) + field(16) + field(17),
  };
}

/** Every process currently on the machine. */
export function listProcesses(): ProcInfo[] {
  const result: ProcInfo[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = readProc(Number(entry));
    if (info) result.push(info);
  }
  return result;
}

/** `rootPid` and all its descendants (found through the ppid links), root first. */
export function processTree(rootPid: number): ProcInfo[] {
  const all = listProcesses();
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return [];
  const children = new Map<number, ProcInfo[]>();
  for (const p of all) {
    const list = children.get(p.ppid) ?? [];
    list.push(p);
    children.set(p.ppid, list);
  }
  const tree: ProcInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const current = queue.shift() as ProcInfo;
    tree.push(current);
    queue.push(...(children.get(current.pid) ?? []));
  }
  return tree;
}

/** True while the very process described by `info` (same pid and start time) is alive. */
export function isAlive(info: Pick<ProcInfo, 'pid' | 'startTime'>): boolean {
  const now = readProc(info.pid);
  return now !== undefined && now.startTime === info.startTime && now.state !== 'Z';
}

/** A `kB` field of /proc/<pid>/status or smaps_rollup, in kB; undefined when unreadable. */
function kbField(file: string, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(file, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export interface ProcessMemory {
  pid: number;
  name: string;
  /** Resident set size (VmRSS), kB. Shared pages count in every process that maps them. */
  rssKb: number;
  /** Proportional set size, kB: shared pages divided among their sharers, so sums don't double-count. */
  pssKb: number;
}

export interface TreeMemory {
  processes: ProcessMemory[];
  rssKb: number;
  pssKb: number;
  /** Sums by process name (node, temporal, postgres, …). */
  byName: Record<string, { count: number; rssKb: number; pssKb: number }>;
}

/** Resident memory of `rootPid` and all its descendants. */
export function treeMemory(rootPid: number): TreeMemory {
  const processes: ProcessMemory[] = [];
  for (const p of processTree(rootPid)) {
    const rssKb = kbField(`/proc/${p.pid}/status`, 'VmRSS');
    if (rssKb === undefined) continue; // Exited meanwhile, or a zombie (no VmRSS line).
    processes.push({ pid: p.pid, name: p.name, rssKb, pssKb: kbField(`/proc/${p.pid}/smaps_rollup`, 'Pss') ?? rssKb });
  }
  const byName: TreeMemory['byName'] = {};
  for (const p of processes) {
    const group = (byName[p.name] ??= { count: 0, rssKb: 0, pssKb: 0 });
    group.count += 1;
    group.rssKb += p.rssKb;
    group.pssKb += p.pssKb;
  }
  return {
    processes,
    rssKb: processes.reduce((sum, p) => sum + p.rssKb, 0),
    pssKb: processes.reduce((sum, p) => sum + p.pssKb, 0),
    byName,
  };
}

/** CPU seconds used so far by each process name in the tree (live processes plus their reaped children). */
export function treeCpuSeconds(rootPid: number): Record<string, number> {
  const result: Record<string, number> = {};
  for (const p of processTree(rootPid)) result[p.name] = (result[p.name] ?? 0) + p.cpuTicks / clockTicks;
  return result;
}

/** Difference of two `treeCpuSeconds` samples, per name. */
export function cpuDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    result[name] = (after[name] ?? 0) - (before[name] ?? 0);
  }
  return result;
}

/** The command line of `pid` with spaces between arguments; '' when unreadable. */
export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Live processes whose command line mentions `text` (e.g. a DATA_DIR), other than this one. */
export function processesMentioning(text: string): { pid: number; name: string; command: string }[] {
  return listProcesses()
    .filter((p) => p.pid !== process.pid && p.state !== 'Z')
    .map((p) => ({ pid: p.pid, name: p.name, command: commandLine(p.pid) }))
    .filter((p) => p.command.includes(text));
}

/**
 * CPU seconds the whole machine has been busy (all cores; idle and iowait excluded), from
 * /proc/stat. The difference of two samples, minus what the bench's own processes used, is
 * what other processes took: a sign the figures were measured on a shared machine.
 */
export function machineBusySeconds(): number {
  const first = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = first.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / clockTicks;
}
