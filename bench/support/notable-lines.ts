/** Warning and error lines in a stack's output, counted by kind, for a bench's report. */
import type { BenchProcess } from './entrypoint';

/** Collects warning/error lines of the stack (pino level ≥ 40; the dev server's own lines when it logs through us). */
export class NotableLines {
  private readonly counts = new Map<string, number>();
  private partial = '';

  attach(proc: BenchProcess): void {
    const collect = (chunk: Buffer) => {
      const parts = (this.partial + chunk.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      for (const line of parts) this.add(line);
    };
    proc.child.stdout?.on('data', collect);
    proc.child.stderr?.on('data', collect);
  }

  private add(line: string): void {
    if (!line.trim()) return;
    let key: string | undefined;
    try {
      const entry = JSON.parse(line) as {
        level?: number;
        msg?: string;
        process?: string;
        err?: { message?: string };
        path?: string;
        status?: number;
      };
      if (
        entry.process === 'temporal' &&
        typeof entry.msg === 'string' &&
        /"level":"(warn|error|fatal)"|\b(WARN|ERROR)\b/.test(entry.msg)
      ) {
        key = `temporal: ${(/"msg":"([^"]*)"/.exec(entry.msg)?.[1] ?? entry.msg).slice(0, 140)}`;
      } else if ((entry.level ?? 0) >= 40) {
        key = `${entry.msg ?? '?'}${entry.status ? ` ${entry.status}` : ''}${entry.path ? ` ${entry.path.replace(/\/\d+\//, '/:botId/')}` : ''}${entry.err?.message ? `: ${entry.err.message.slice(0, 140)}` : ''}`;
      }
    } catch {
      key = /error|warn|panic/i.test(line) ? `(not JSON) ${line.slice(0, 140)}` : undefined;
    }
    if (key !== undefined) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  top(count = 6): { line: string; count: number }[] {
    return [...this.counts.entries()]
      .sort(([, a], [, b]) => b - a)
      .slice(0, count)
      .map(([line, n]) => ({ line, count: n }));
  }

  get total(): number {
    return [...this.counts.values()].reduce((s, n) => s + n, 0);
  }
}
