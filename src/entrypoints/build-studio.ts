/**
 * `npm run build:studio` (a step of `npm run build`): bundles the studio's browser code next to
 * the compiled server (dist/studio/app), so an image serves it without esbuild. A development
 * start builds it by itself (src/studio/bundle.ts).
 */
import { buildStudio, studioAssetsDir } from '../studio/bundle';

buildStudio(studioAssetsDir()).then(
  (built) =>
    process.stdout.write(
      `studio bundle written to ${built.outDir}: ${built.bytes.js} bytes of script (${built.bytes.jsGzip} gzipped), ${built.bytes.css} of style\n`,
    ),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
