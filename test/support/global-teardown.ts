import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __testInfra?: { stop(): Promise<void>; dataDir: string } }).__testInfra;
  if (!state) return;
  await state.stop();
  fs.rmSync(state.dataDir, { recursive: true, force: true });
}
