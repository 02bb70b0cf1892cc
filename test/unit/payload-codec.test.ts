import crypto from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import { ConfigError, loadConfig } from '../../src/config';
import { AesGcmPayloadCodec, parsePayloadKeys, payloadCodecFromConfig, PayloadDecryptionError } from '../../src/temporal/payload-codec';

const keyA = { id: 'a', key: crypto.randomBytes(32) };
const keyB = { id: 'b', key: crypto.randomBytes(32) };
const secret = { text: 'my phone is +44 7700 900123', amount: 42 };
const toPayload = (value: unknown) => defaultPayloadConverter.toPayload(value);
const fromPayload = (payload: Parameters<typeof defaultPayloadConverter.fromPayload>[0]) => defaultPayloadConverter.fromPayload(payload);

describe('AES-256-GCM payload codec', () => {
  it('encrypts the whole payload (metadata too) and decrypts it back', async () => {
    const codec = new AesGcmPayloadCodec([keyA]);
    const [encoded] = await codec.encode([toPayload(secret)]);
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encoded!.metadata!['encryption-key-id']!).toString()).toBe('a');
    const stored = Buffer.from(encoded!.data!).toString('latin1');
    expect(stored).not.toContain('+44 7700');
    expect(stored).not.toContain('json/plain');
    const [decoded] = await codec.decode([encoded!]);
    expect(fromPayload(decoded!)).toEqual(secret);
    // A fresh IV every time: equal values do not look equal in the history.
    const [again] = await codec.encode([toPayload(secret)]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(encoded!.data!))).toBe(false);
  });

  it('rotates: encrypts with the first key, decrypts with any listed one', async () => {
    const [writtenWithA] = await new AesGcmPayloadCodec([keyA]).encode([toPayload(secret)]);
    const rotated = new AesGcmPayloadCodec([keyB, keyA]);
    expect(fromPayload((await rotated.decode([writtenWithA!]))[0]!)).toEqual(secret);
    const [writtenWithB] = await rotated.encode([toPayload(secret)]);
    expect(Buffer.from(writtenWithB!.metadata!['encryption-key-id']!).toString()).toBe('b');
  });

  it('fails clearly on a key it does not have, a wrong key under the same id, or altered data', async () => {
    const [writtenWithA] = await new AesGcmPayloadCodec([keyA]).encode([toPayload(secret)]);
    await expect(new AesGcmPayloadCodec([keyB]).decode([writtenWithA!])).rejects.toThrow(
      new PayloadDecryptionError('payload encrypted with key "a", which is not in TEMPORAL_PAYLOAD_KEYS (this process has b)'),
    );
    await expect(new AesGcmPayloadCodec([{ id: 'a', key: keyB.key }]).decode([writtenWithA!])).rejects.toThrow(
      'payload does not decrypt with key "a" (a different key under that id, or altered data)',
    );
    const altered = { ...writtenWithA!, data: Buffer.from(writtenWithA!.data!).fill(1, 20, 21) };
    await expect(new AesGcmPayloadCodec([keyA]).decode([altered])).rejects.toThrow(PayloadDecryptionError);
    // The key id is bound to the ciphertext: relabelling a payload does not make another key try it.
    const relabelled = { ...writtenWithA!, metadata: { ...writtenWithA!.metadata, 'encryption-key-id': Buffer.from('b') } };
    await expect(new AesGcmPayloadCodec([keyB, { id: 'a2', key: keyA.key }]).decode([relabelled])).rejects.toThrow(
      'payload does not decrypt with key "b"',
    );
  });

  it('passes plain payloads through, so histories from before encryption stay readable', async () => {
    const plain = toPayload(secret);
    expect(await new AesGcmPayloadCodec([keyA]).decode([plain])).toEqual([plain]);
  });

  it('reads its keys from TEMPORAL_PAYLOAD_KEYS; a malformed list stops the start', () => {
    const value = `${keyB.id}=${keyB.key.toString('base64')}, ${keyA.id}=${keyA.key.toString('base64')}`;
    expect(parsePayloadKeys(value)).toEqual([keyB, keyA]);
    expect(payloadCodecFromConfig(loadConfig({ TEMPORAL_PAYLOAD_KEYS: value }, '/nonexistent/.env'))).toBeInstanceOf(AesGcmPayloadCodec);
    expect(payloadCodecFromConfig(loadConfig({}, '/nonexistent/.env'))).toBeUndefined();
    for (const bad of ['a=short', `a:${keyA.key.toString('base64')}`, `${keyA.key.toString('base64')}`]) {
      expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEYS: bad }, '/nonexistent/.env')).toThrow(ConfigError);
      expect(() => loadConfig({ TEMPORAL_PAYLOAD_KEYS: bad }, '/nonexistent/.env')).toThrow(
        /TEMPORAL_PAYLOAD_KEYS: must be a comma-separated list/,
      );
    }
    expect(() => parsePayloadKeys(`a=${keyA.key.toString('base64')},a=${keyB.key.toString('base64')}`)).toThrow('key id a is listed twice');
  });
});
