import { TokenCipher } from '../../src/bots/token-cipher';
import { legacyV1Ciphertext } from '../support/legacy-cipher';

const material = 'a-bot-token-key-0123456789';
const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';

describe('bot token encryption', () => {
  const cipher = new TokenCipher(material);

  it('writes the versioned v2 format and reads it back for the same bot and purpose', () => {
    const sealed = cipher.encrypt(token, { botId: '123456789', purpose: 'token' });
    expect(sealed).toMatch(/^v2\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(TokenCipher.isCurrent(sealed)).toBe(true);
    expect(cipher.decrypt(sealed, { botId: '123456789', purpose: 'token' })).toBe(token);
    expect(cipher.encrypt(token, { botId: '123456789', purpose: 'token' })).not.toBe(sealed);
  });

  it('binds the bot id and purpose: a ciphertext moved to another row does not decrypt', () => {
    const sealed = cipher.encrypt(token, { botId: '123456789', purpose: 'token' });
    expect(() => cipher.decrypt(sealed, { botId: '987654321', purpose: 'token' })).toThrow();
    expect(() => cipher.decrypt(sealed, { botId: '123456789', purpose: 'webhook-secret' })).toThrow();
    expect(() => new TokenCipher('another-key-0123456789').decrypt(sealed, { botId: '123456789', purpose: 'token' })).toThrow();
  });

  it('derives its key with HKDF: the old single-SHA-256 key does not open v2', () => {
    const sealed = cipher.encrypt(token, { botId: '1', purpose: 'token' });
    const asV1 = sealed.replace(/^v2\./, 'v1.');
    expect(() => cipher.decrypt(asV1, { botId: '1', purpose: 'token' })).toThrow();
  });

  it('still reads the old v1 format (to re-encrypt it)', () => {
    const old = legacyV1Ciphertext(material, token);
    expect(TokenCipher.isCurrent(old)).toBe(false);
    expect(cipher.decrypt(old, { botId: '123456789', purpose: 'token' })).toBe(token);
    expect(() => cipher.decrypt('v3.a.b.c', { botId: '1', purpose: 'token' })).toThrow(/unrecognised/);
  });
});
