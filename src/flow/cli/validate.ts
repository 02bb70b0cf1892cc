// Checks flow files before publishing: `npm run flow:validate -- examples/flows/*.json`.
// Prints one line per problem, `file: node: path: severity code: message`, and exits 1 when
// any problem is an error.
import { readFileSync } from 'node:fs';
import { checkFlow, formatPath, type Problem } from '../index';
import { problem } from '../problems';

export interface FileReport {
  readonly lines: string[];
  readonly errors: number;
  readonly warnings: number;
}

export function formatProblem(file: string, p: Problem): string {
  const path = formatPath(p.path);
  return `${file}: ${p.nodeId ?? '-'}: ${path === '' ? '-' : path}: ${p.severity} ${p.code}: ${p.message}`;
}

/** Problems of one file, given its text (or the error that prevented reading it). */
export function checkFlowFile(file: string, read: () => string): FileReport {
  let problems: Problem[];
  try {
    problems = checkFlow(JSON.parse(read()) as unknown).problems;
  } catch (error) {
    problems = [problem('invalid-json', [], (error as Error).message)];
  }
  return {
    lines: problems.map((p) => formatProblem(file, p)),
    errors: problems.filter((p) => p.severity === 'error').length,
    warnings: problems.filter((p) => p.severity === 'warning').length,
  };
}

function main(files: readonly string[]): number {
  if (files.length === 0) {
    process.stderr.write('usage: flow:validate <flow.json>…\n');
    return 2;
  }
  let errors = 0;
  let warnings = 0;
  for (const file of files) {
    const report = checkFlowFile(file, () => readFileSync(file, 'utf8'));
    for (const line of report.lines) process.stdout.write(`${line}\n`);
    errors += report.errors;
    warnings += report.warnings;
  }
  process.stderr.write(`${files.length} file(s): ${errors} error(s), ${warnings} warning(s)\n`);
  return errors > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
