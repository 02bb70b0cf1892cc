/** Output of a bench: a human-readable block, then one JSON line with the figures. */
import os from 'node:os';
import { removeDataDir } from './data-dir';
import { processesMentioning } from './proc';

export type Row = [label: string, value: string];

/** Prints a titled block of aligned `label  value` rows; an empty label prints a blank line. */
export function printBlock(title: string, rows: Row[]): void {
  const width = Math.max(...rows.map(([label]) => label.length), 0);
  const lines = ['', `== ${title} ${'='.repeat(Math.max(0, 70 - title.length))}`];
  for (const [label, value] of rows) lines.push(label ? `  ${label.padEnd(width)}  ${value}` : '');
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The single machine-readable line: `{"bench":…, …}`. */
export function printJsonLine(bench: string, figures: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ bench, ...figures, machine: machineInfo() })}\n`);
}

/** The 1-minute load average when the bench started, before it loaded the machine itself. */
const loadAtStart = os.loadavg()[0] ?? 0;

/** Cores and load, since figures of a 2-core machine depend on what else runs on it. */
export function machineInfo(): { cpus: number; loadAvg1mAtStart: number; loadAvg1mAtEnd: number; node: string } {
  return {
    cpus: os.cpus().length,
    loadAvg1mAtStart: Math.round(loadAtStart * 100) / 100,
    loadAvg1mAtEnd: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    node: process.version,
  };
}

/** Progress on stderr, so stdout holds only the result block and the JSON line. */
export function progress(message: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export const pass = (ok: boolean) => (ok ? 'PASS' : 'FAIL');

export const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

/**
 * The final check of every bench: no process anywhere still mentions the bench's DATA_DIR
 * (Temporal and the postmaster name it on their command lines). Returns what it found.
 */
export function leftoverProcesses(dataDir: string): { pid: number; name: string; command: string }[] {
  return processesMentioning(dataDir);
}

/** Removes the bench's DATA_DIR, unless a process still uses it: then it is reported and kept. */
export function releaseDataDir(dataDir: string): void {
  const leftovers = leftoverProcesses(dataDir);
  if (leftovers.length > 0) process.stderr.write(`WARNING: processes still mention ${dataDir}: ${JSON.stringify(leftovers)}\n`);
  else removeDataDir(dataDir);
}
