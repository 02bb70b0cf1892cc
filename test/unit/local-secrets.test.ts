import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { LocalSecretError, resolveApiToken, resolveBotTokenKey } from '../../src/runtime/local-secrets';

const itAsRoot = process.getuid?.() === 0 ? it : it.skip;

/** A generated secret is trusted back only if nobody else could have read or chosen it. */
describe('generated local secrets', () => {
  let dataDir: string;
  const config = () => loadConfig({ DATA_DIR: dataDir }, '/nonexistent/.env');
  const file = () => path.join(dataDir, 'api-token');
  const warnings: unknown[] = [];
  const logger = { warn: (...args: unknown[]) => void warnings.push(args) };
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'secrets-'));
    warnings.length = 0;
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('are created readable by the owner only, and read back unchanged', () => {
    const first = resolveApiToken(config(), logger);
    expect(first.generated).toBe(true);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect(resolveApiToken(config(), logger).token).toBe(first.token);
    expect(resolveBotTokenKey(config(), logger)).toHaveLength(32);
    expect(warnings).toEqual([]);
  });

  it('repair a file others could read, and say so', () => {
    const { token } = resolveApiToken(config(), logger);
    fs.chmodSync(file(), 0o644);
    expect(resolveApiToken(config(), logger).token).toBe(token);
    expect(fs.statSync(file()).mode & 0o777).toBe(0o600);
    expect(JSON.stringify(warnings)).toContain('readable by others');
  });

  it('refuse a file that holds no real secret', () => {
    for (const content of ['', 'short', 'has spaces in the middle of it']) {
      fs.writeFileSync(file(), content, { mode: 0o600 });
      expect(() => resolveApiToken(config(), logger)).toThrow(LocalSecretError);
    }
    expect(() => resolveApiToken(config(), logger)).toThrow(
      /api-token does not hold a secret of at least 16 characters.*Delete it to have a new one generated, or set API_TOKEN/,
    );
  });

  it('refuse a symbolic link in place of the file', () => {
    const elsewhere = path.join(dataDir, 'chosen-by-someone');
    fs.writeFileSync(elsewhere, 'a-secret-someone-else-chose-0123', { mode: 0o600 });
    fs.symlinkSync(elsewhere, file());
    expect(() => resolveApiToken(config(), logger)).toThrow(/is not a regular file/);
  });

  itAsRoot('refuse a file owned by another user', () => {
    fs.writeFileSync(file(), 'a-secret-someone-else-chose-0123', { mode: 0o600 });
    fs.chownSync(file(), 65534, 65534);
    expect(() => resolveApiToken(config(), logger)).toThrow(/is owned by uid 65534, not by this user \(0\)/);
  });
});
