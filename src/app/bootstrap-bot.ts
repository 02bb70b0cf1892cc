import fs from 'node:fs';
import path from 'node:path';
import { exampleFlowFile, publishFlow, registerBot } from '../bots/registry';
import type { TokenCipher } from '../bots/token-cipher';
import { newWebhookSecret } from '../bots/webhook-secret';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { Logger } from '../logger';
import { registerDemoBot, type Simulator } from '../simulator/simulator';

/**
 * The bot a process starts with: TELEGRAM_BOT_TOKEN's bot, registered with its flow
 * (TELEGRAM_BOT_FLOW, or the loyalty example) published; without a token, the simulator's demo
 * bot. Composition, not ingress: it registers and publishes, and the ingress then receives for
 * whatever bots are registered.
 */
export async function bootstrapBot(deps: {
  db: Database;
  cipher: TokenCipher;
  config: Config;
  logger: Logger;
  simulator?: Simulator;
}): Promise<void> {
  const { config, db, cipher, logger, simulator } = deps;
  if (!config.TELEGRAM_BOT_TOKEN) {
    if (simulator) await registerDemoBot(db, cipher, simulator, logger);
    return;
  }
  const secret = config.TELEGRAM_MODE === 'webhook' ? (config.TELEGRAM_WEBHOOK_SECRET ?? newWebhookSecret()) : undefined;
  const bot = await registerBot(db, cipher, config.TELEGRAM_API_ROOT, config.TELEGRAM_BOT_TOKEN, {
    mode: config.TELEGRAM_MODE,
    webhookSecret: secret,
  });
  const file = config.TELEGRAM_BOT_FLOW ? path.resolve(config.TELEGRAM_BOT_FLOW) : exampleFlowFile;
  const published = await publishFlow(db, bot.id, 'main', JSON.parse(fs.readFileSync(file, 'utf8')));
  logger.info(
    { botId: bot.id, username: bot.username, flow: file, version: published.version, changed: published.changed },
    'bootstrap bot ready',
  );
}
