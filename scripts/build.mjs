/**
 * The first step of `npm run build` (the workflow bundles are its second): dist/ from nothing.
 * Compiles src/ to dist/ and copies the files next to the code that it reads at run time (the
 * simulator page: everything in src/ that is neither TypeScript nor Markdown). dist/ is removed
 * first, so nothing of a deleted source, nor bundles of older code, outlive it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
for (const entry of fs.readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.(ts|md)$/.test(entry.name)) continue;
  const from = path.join(entry.parentPath, entry.name);
  fs.cpSync(from, path.join(dist, path.relative(src, from)));
}
