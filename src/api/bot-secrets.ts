import { Router } from 'express';
import { z } from 'zod';
import { deleteFlowSecret, listFlowSecrets, SECRET_NAME, setFlowSecret } from '../bots/flow-secrets';
import type { TokenCipher } from '../bots/token-cipher';
import type { Database } from '../db/client';
import { audit } from './audit';
import { botParams } from './bots';
import { ApiError } from './errors';
import { parseRequest } from './validate';
import { routeTo } from './route';
import { requireBot } from './bot-lookup';

export const secretParams = botParams.extend({
  name: z.string().regex(SECRET_NAME, 'a letter or "_", then letters, digits or "_" (at most 64)'),
});
export const secretBody = z.object({ value: z.string().min(1).max(4_096) });

/**
 * Flow secrets of a bot (API keys its HTTP nodes send as `secret.NAME`): write-only. They are
 * set and deleted by the operator token and listed by name; no route returns a value.
 */
export function botSecretsRouter(deps: { db: Database; cipher: TokenCipher }): Router {
  const router = Router();
  const route = routeTo(router, '/api');

  route(
    {
      method: 'get',
      path: '/bots/:botId/secrets',
      summary: "Names of the bot's flow secrets (never their values)",
      tag: 'bots',
      auth: 'bearer',
      params: botParams,
      responses: { 200: 'the names', 404: 'no such bot' },
    },
    async (req, res) => {
      const { botId } = parseRequest(botParams, req, 'params');
      await requireBot(deps.db, botId);
      const items = await listFlowSecrets(deps.db, botId);
      res.json({ items: items.map((s) => ({ name: s.name, updatedAt: s.updatedAt.toISOString() })) });
    },
  );

  route(
    {
      method: 'put',
      path: '/bots/:botId/secrets/:name',
      summary: 'Set a flow secret (write-only)',
      tag: 'bots',
      auth: 'bearer',
      params: secretParams,
      body: secretBody,
      responses: { 204: 'stored', 404: 'no such bot' },
    },
    async (req, res) => {
      const { botId, name } = parseRequest(secretParams, req, 'params');
      const { value } = parseRequest(secretBody, req, 'body');
      await requireBot(deps.db, botId);
      await setFlowSecret(deps.db, deps.cipher, botId, name, value);
      await audit(deps.db, req, 'bot.secret.set', `bot:${botId}`, { name });
      res.status(204).end();
    },
  );

  route(
    {
      method: 'delete',
      path: '/bots/:botId/secrets/:name',
      summary: 'Delete a flow secret',
      tag: 'bots',
      auth: 'bearer',
      params: secretParams,
      responses: { 204: 'deleted', 404: 'no such bot or secret' },
    },
    async (req, res) => {
      const { botId, name } = parseRequest(secretParams, req, 'params');
      await requireBot(deps.db, botId);
      if (!(await deleteFlowSecret(deps.db, botId, name))) throw ApiError.notFound(`secret ${name} of bot ${botId}`);
      await audit(deps.db, req, 'bot.secret.delete', `bot:${botId}`, { name });
      res.status(204).end();
    },
  );

  return router;
}
