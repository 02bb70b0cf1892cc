import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh, empty DATA_DIR under the system temp dir. It is made world-traversable (0755): when the
 * bench runs as root, the embedded PostgreSQL runs as user `postgres`, which must reach its cluster
 * directory inside.
 */
export function makeDataDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Deletes a DATA_DIR made by `makeDataDir` (only once nothing runs on it any more). */
export function removeDataDir(dir: string): void {
  if (!path.basename(dir).includes('-') || !dir.startsWith(os.tmpdir())) throw new Error(`refusing to delete ${dir}`);
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The URL of the embedded PostgreSQL of a stack running on `dataDir`, built the way the project
 * builds it: password from DATA_DIR/postgres.password, user postgres, loopback, database `bots`.
 */
export function embeddedDatabaseUrl(dataDir: string, port: number, database = 'bots'): string {
  const password = fs.readFileSync(path.join(dataDir, 'postgres.password'), 'utf8').trim();
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** Size of a file in bytes; 0 when it does not exist. */
export function fileSize(file: string): number {
  return fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
}

/** Disk used under `dir`, in bytes (files only; follows no symlinks). */
export function diskUsage(dir: string): number {
  let total = 0;
  const walk = (current: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) total += fs.statSync(full, { throwIfNoEntry: false })?.size ?? 0;
    }
  };
  walk(dir);
  return total;
}
