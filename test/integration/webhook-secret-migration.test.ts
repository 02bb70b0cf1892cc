import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import express from 'express';
import { TokenCipher } from '../../src/bots/token-cipher';
import { errorHandler } from '../../src/http/errors';
import { loadConfig } from '../../src/config';
import { applyMigrations, migrationsFolder } from '../../src/db/migrate';
import type { DeliveryTarget } from '../../src/temporal/chat-delivery';
import { Ingress } from '../../src/ingress/ingress';
import { webhookRouter } from '../../src/ingress/webhook';
import { createLogger } from '../../src/logger';
import { TelegramEmulator } from '../../src/telegram-emulator';
import { createTestDatabase } from '../support/harness';

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** The migrations up to (not including) `tag`, as drizzle would have found them before it existed. */
function migrationsBefore(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'migrations-'));
  fs.cpSync(migrationsFolder, dir, { recursive: true });
  const journalFile = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(
    0,
    journal.entries.findIndex((e) => e.tag === tag),
  );
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return dir;
}

/** A database from before webhook secrets were hashed keeps working, without the plain secret. */
describe('webhook secrets stored in plain text before', () => {
  it('become a hash in the migration, still admit Telegram, and are replaced at the next webhook registration', async () => {
    const database = await createTestDatabase({ migrate: false });
    const emulator = new TelegramEmulator();
    const telegram = await emulator.start({ port: 0 });
    const cipher = new TokenCipher('test-bot-token-key-0123456789');
    const legacySecret = 'legacy-plain-webhook-secret';
    const botNumber = crypto.randomInt(100_000_000, 999_999_999);
    const token = `${botNumber}:${crypto.randomBytes(27).toString('base64url').slice(0, 35)}`;
    emulator.createBot({ token, username: 'legacy_bot' });
    const app = express()
      .use((req, _res, next) => {
        req.log = createLogger('silent');
        next();
      })
      .use(webhookRouter({ db: database.db, target: {} as DeliveryTarget }))
      .use(errorHandler);
    const server = http.createServer(app).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    let ingress: Ingress | undefined;
    try {
      await migrate(database.db, { migrationsFolder: migrationsBefore('0004_webhook_secret_hash') });
      await database.db.$client.query(
        `insert into bots (id, username, token_ciphertext, mode, webhook_secret) values ($1, 'legacy_bot', $2, 'webhook', $3)`,
        [String(botNumber), cipher.encrypt(token, { botId: String(botNumber), purpose: 'token' }), legacySecret],
      );
      await applyMigrations(database.db);

      const [row] = (await database.db.$client.query('select * from bots where id = $1', [String(botNumber)])).rows;
      expect(row).toMatchObject({ webhook_secret_hash: sha256(legacySecret), webhook_secret_ciphertext: null });
      expect(row).not.toHaveProperty('webhook_secret');
      expect(JSON.stringify(row)).not.toContain(legacySecret);

      // Telegram still has the old secret, and is admitted with it (a malformed body gets past the check: 400).
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/telegram/${botNumber}/webhook`;
      const post = (secret: string) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secret },
          body: '{"hello":"world"}',
        });
      expect((await post(legacySecret)).status).toBe(400);
      expect((await post('another-secret')).status).toBe(401);

      // The next registration cannot repeat a secret it only has the hash of: it sets a new one.
      const config = loadConfig(
        { TELEGRAM_API_ROOT: telegram.apiRoot, PUBLIC_URL: 'http://127.0.0.1:1', BOT_TOKEN_KEY: 'test-bot-token-key-0123456789' },
        '/nonexistent/.env',
      );
      ingress = new Ingress({ db: database.db, cipher, config, target: {} as DeliveryTarget, logger: createLogger('silent') });
      await ingress.start();
      const registered = emulator.calls({ method: 'setWebhook' });
      expect(registered).toHaveLength(1);
      const newSecret = String(registered[0]!.params.secret_token);
      expect(newSecret).not.toBe(legacySecret);
      const [after] = (await database.db.$client.query('select * from bots where id = $1', [String(botNumber)])).rows;
      expect(after.webhook_secret_hash).toBe(sha256(newSecret));
      expect(cipher.decrypt(after.webhook_secret_ciphertext, { botId: String(botNumber), purpose: 'webhook-secret' })).toBe(newSecret);
      expect(JSON.stringify(after)).not.toContain(newSecret);
    } finally {
      await ingress?.stop();
      await new Promise((resolve) => server.close(resolve));
      await telegram.close();
      await database.drop();
    }
  });
});
