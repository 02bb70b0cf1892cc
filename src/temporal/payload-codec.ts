import crypto from 'node:crypto';
import type { DataConverter, Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { Config } from '../config';

/** The `encoding` of an encrypted payload, and the metadata naming the key that encrypted it. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface PayloadKey {
  id: string;
  key: Buffer;
}

/** A payload encrypted with a key this process does not have (or that does not decrypt it). */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}

/** `TEMPORAL_PAYLOAD_KEYS` (`id=base64,id=base64`, validated by the config schema) as keys, the current one first. */
export function parsePayloadKeys(value: string): PayloadKey[] {
  const keys = value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => {
      const at = entry.indexOf('=');
      return { id: entry.slice(0, at), key: Buffer.from(entry.slice(at + 1), 'base64') };
    });
  for (const { id, key } of keys) {
    if (key.length !== 32) throw new Error(`TEMPORAL_PAYLOAD_KEYS: key ${id} is ${key.length} bytes; AES-256 needs 32`);
  }
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new Error(`TEMPORAL_PAYLOAD_KEYS: key id ${repeated} is listed twice`);
  return keys;
}

const utf8 = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/**
 * AES-256-GCM over whole payloads (metadata and data, serialized as the protobuf Payload), so
 * the encoding of the value is hidden too. The current key encrypts; the key id travels in
 * the payload's metadata, in the clear, and is bound to the ciphertext as associated data –
 * any listed key decrypts, which is how keys rotate. Payloads that are not encrypted (written
 * before encryption was turned on) pass through, so switching it on needs no migration.
 * Codecs run outside the workflow sandbox (client, worker, activities), so node:crypto is fine.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  constructor(keys: PayloadKey[]) {
    const [current] = keys;
    if (!current) throw new Error('AesGcmPayloadCodec needs at least one key');
    this.current = current;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = crypto.randomBytes(IV_BYTES);
      const cipher = crypto.createCipheriv('aes-256-gcm', this.current.key, iv);
      cipher.setAAD(Buffer.from(this.current.id));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: Buffer.from(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: Buffer.from(this.current.id) },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (utf8(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const id = utf8(payload.metadata?.[KEY_ID_METADATA]);
      if (id === undefined) throw new PayloadDecryptionError(`an encrypted payload names no key (no ${KEY_ID_METADATA} metadata)`);
      const key = this.byId.get(id);
      if (!key)
        throw new PayloadDecryptionError(
          `payload encrypted with key "${id}", which is not in TEMPORAL_PAYLOAD_KEYS (this process has ${[...this.byId.keys()].join(', ')})`,
        );
      const sealed = Buffer.from(payload.data ?? []);
      if (sealed.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`encrypted payload (key "${id}") is truncated`);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadDecryptionError(`payload does not decrypt with key "${id}" (a different key under that id, or altered data)`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/** The payload codec the configuration asks for: AES-GCM with TEMPORAL_PAYLOAD_KEYS, or none. */
export function payloadCodecFromConfig(config: Pick<Config, 'TEMPORAL_PAYLOAD_KEYS'>): PayloadCodec | undefined {
  return config.TEMPORAL_PAYLOAD_KEYS ? new AesGcmPayloadCodec(parsePayloadKeys(config.TEMPORAL_PAYLOAD_KEYS)) : undefined;
}

/**
 * The data converter of every client and worker the project creates: the same codec on both
 * sides, or the SDK's default when payload encryption is off.
 */
export function dataConverterFromConfig(config: Pick<Config, 'TEMPORAL_PAYLOAD_KEYS'>): DataConverter | undefined {
  const codec = payloadCodecFromConfig(config);
  return codec ? { payloadCodecs: [codec] } : undefined;
}
