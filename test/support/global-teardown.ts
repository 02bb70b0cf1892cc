import fs from 'node:fs';
import type { Infra } from '../../src/runtime/infra';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __testInfra?: { infra: Infra; dataDir: string } }).__testInfra;
  if (!state) return;
  await state.infra.stop();
  fs.rmSync(state.dataDir, { recursive: true, force: true });
}
