import { eq } from 'drizzle-orm';
import { reencryptStoredSecrets } from '../../src/bots/reencrypt';
import { TokenCipher } from '../../src/bots/token-cipher';
import { bots } from '../../src/db/schema';
import { legacyV1Ciphertext } from '../support/legacy-cipher';
import { createTestDatabase } from '../support/harness';

const material = 'test-bot-token-key-0123456789';

/** Rows written in the old ciphertext format are rewritten in the current one, once, losing nothing. */
describe('re-encryption of stored bot secrets', () => {
  it('rewrites v1 tokens and webhook secrets as v2 bound to their bot, and leaves v2 rows alone', async () => {
    const database = await createTestDatabase();
    const cipher = new TokenCipher(material);
    try {
      const oldToken = '111111111:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
      const newToken = '222222222:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
      const current = cipher.encrypt(newToken, { botId: '222222222', purpose: 'token' });
      await database.db.insert(bots).values([
        {
          id: '111111111',
          tokenCiphertext: legacyV1Ciphertext(material, oldToken),
          webhookSecretCiphertext: legacyV1Ciphertext(material, 'hook-secret'),
          webhookSecretHash: 'x',
        },
        { id: '222222222', tokenCiphertext: current },
      ]);

      expect(await reencryptStoredSecrets(database.db, cipher)).toBe(1);
      const [rewritten] = await database.db.select().from(bots).where(eq(bots.id, '111111111'));
      expect(TokenCipher.isCurrent(rewritten!.tokenCiphertext)).toBe(true);
      expect(cipher.decrypt(rewritten!.tokenCiphertext, { botId: '111111111', purpose: 'token' })).toBe(oldToken);
      expect(cipher.decrypt(rewritten!.webhookSecretCiphertext!, { botId: '111111111', purpose: 'webhook-secret' })).toBe('hook-secret');
      const [untouched] = await database.db.select().from(bots).where(eq(bots.id, '222222222'));
      expect(untouched!.tokenCiphertext).toBe(current);

      // Again (the next start, or a second process): nothing left to do.
      expect(await reencryptStoredSecrets(database.db, cipher)).toBe(0);
    } finally {
      await database.drop();
    }
  });
});
