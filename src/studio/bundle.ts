import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * The studio's browser bundle: `studio/src/main.tsx` (React, React Flow and the flow language of
 * src/flow, so the browser validates with the very code the API does) bundled by esbuild into
 * `studio.js` and `studio.css`. Nothing of it is committed: `npm run build` writes it next to the
 * compiled server (dist/studio/app), and a development start builds it into .build/studio when it
 * is missing or any file it was built from has changed since (a stamp records each input's hash).
 */
const projectRoot = path.resolve(__dirname, '..', '..');
const entryPoint = path.join(projectRoot, 'studio', 'src', 'main.tsx');
const STAMP = 'stamp.json';

/** Where the server reads the bundle: beside compiled code in an image, else the dev build folder. */
export function studioAssetsDir(): string {
  return __filename.endsWith('.js') ? path.join(__dirname, 'app') : path.join(projectRoot, '.build', 'studio');
}

interface Stamp {
  esbuild: string;
  inputs: Record<string, string>;
}

const hashFile = (file: string): string | null => {
  try {
    return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return null;
  }
};

/** Why the bundle in `outDir` must be (re)built, or null when it is current. */
export function staleness(outDir: string): string | null {
  let stamp: Stamp;
  try {
    stamp = JSON.parse(fs.readFileSync(path.join(outDir, STAMP), 'utf8')) as Stamp;
  } catch {
    return 'not built yet';
  }
  for (const file of ['studio.js', 'studio.css', 'studio.js.gz', 'studio.css.gz']) {
    if (!fs.existsSync(path.join(outDir, file))) return `${file} is missing`;
  }
  for (const [input, hash] of Object.entries(stamp.inputs)) {
    if (hashFile(path.join(projectRoot, input)) !== hash) return `${input} changed`;
  }
  return null;
}

export interface BuiltBundle {
  outDir: string;
  /** Bytes of studio.js and studio.css, minified, and gzipped as served to browsers. */
  bytes: { js: number; css: number; jsGzip: number; cssGzip: number };
  ms: number;
}

/**
 * Builds the bundle into `outDir` atomically (a temporary folder renamed into place), so that a
 * server reading it, or another process building it at the same moment, never sees half a bundle.
 */
export async function buildStudio(outDir: string): Promise<BuiltBundle> {
  const started = Date.now();
  // A development dependency: an image ships the bundle built, and never loads esbuild.
  const esbuild = await import('esbuild');
  const tmp = `${outDir}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  fs.mkdirSync(tmp, { recursive: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: projectRoot,
      entryPoints: { studio: entryPoint },
      bundle: true,
      minify: true,
      format: 'esm',
      target: ['chrome110', 'firefox115', 'safari16'],
      platform: 'browser',
      jsx: 'automatic',
      outdir: tmp,
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      define: { 'process.env.NODE_ENV': '"production"' },
    });
    const inputs: Record<string, string> = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      inputs[input] = hashFile(path.join(projectRoot, input)) ?? '';
    }
    // Compressed once here rather than on every request: browsers get the .gz when they accept it.
    for (const file of ['studio.js', 'studio.css']) {
      fs.writeFileSync(path.join(tmp, `${file}.gz`), zlib.gzipSync(fs.readFileSync(path.join(tmp, file)), { level: 9 }));
    }
    const stamp: Stamp = { esbuild: esbuild.version, inputs };
    fs.writeFileSync(path.join(tmp, STAMP), JSON.stringify(stamp));
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    try {
      fs.renameSync(tmp, outDir);
    } catch (err) {
      // Another process built it in the meantime: theirs is as good as ours.
      if (!fs.existsSync(path.join(outDir, STAMP))) throw err;
    }
    return {
      outDir,
      bytes: {
        js: size(outDir, 'studio.js'),
        css: size(outDir, 'studio.css'),
        jsGzip: size(outDir, 'studio.js.gz'),
        cssGzip: size(outDir, 'studio.css.gz'),
      },
      ms: Date.now() - started,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const size = (dir: string, file: string) => fs.statSync(path.join(dir, file)).size;

let ready: Promise<string> | undefined;

/**
 * The bundle's folder once it is current: built on first use in development (once per process),
 * used as it is when it was built with the image.
 */
export function studioBundle(log?: (message: string, fields: Record<string, unknown>) => void): Promise<string> {
  ready ??= (async () => {
    const outDir = studioAssetsDir();
    if (__filename.endsWith('.js')) {
      if (fs.existsSync(path.join(outDir, 'studio.js'))) return outDir;
      throw new Error(`the studio bundle is missing from ${outDir}: \`npm run build\` makes it`);
    }
    const why = staleness(outDir);
    if (why === null) return outDir;
    const built = await buildStudio(outDir);
    log?.('studio bundle built', { reason: why, ms: built.ms, bytes: built.bytes });
    return outDir;
  })();
  ready.catch(() => (ready = undefined));
  return ready;
}
