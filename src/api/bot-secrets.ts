import { Router } from 'express';
import { z } from 'zod';
import { deleteFlowSecret, listFlowSecrets, SECRET_NAME, setFlowSecret } from '../bots/flow-secrets';
import type { TokenCipher } from '../bots/token-cipher';
import type { Database } from '../db/client';
import { ApiError } from '../http/errors';
import { routeTo } from '../http/route';
import { audit } from './audit';
import { botParams } from './bots';
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
      responses: {
        200: {
          description: 'the names',
          schema: z.object({ items: z.array(z.object({ name: z.string(), updatedAt: z.iso.datetime() })) }),
        },
        404: { description: 'no such bot' },
      },
    },
    async ({ params: { botId } }, _req, res) => {
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
      responses: { 204: { description: 'stored' }, 404: { description: 'no such bot' } },
    },
    async ({ params: { botId, name }, body: { value } }, req, res) => {
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
      responses: { 204: { description: 'deleted' }, 404: { description: 'no such bot or secret' } },
    },
    async ({ params: { botId, name } }, req, res) => {
      await requireBot(deps.db, botId);
      if (!(await deleteFlowSecret(deps.db, botId, name))) throw ApiError.notFound(`secret ${name} of bot ${botId}`);
      await audit(deps.db, req, 'bot.secret.delete', `bot:${botId}`, { name });
      res.status(204).end();
    },
  );

  return router;
}
