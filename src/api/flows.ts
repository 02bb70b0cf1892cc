import { and, desc, eq, sql } from 'drizzle-orm';
import { Router } from 'express';
import { z } from 'zod';
import { InvalidFlowError, publishFlow } from '../bots/registry';
import type { Database } from '../db/client';
import { bots, flows, flowVersions } from '../db/schema';
import { checkFlow, diffFlows, type FlowVersion } from '../flow';
import { ApiError } from './errors';
import { parseRequest } from './validate';

const flowIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -');
export const flowParams = z.object({ botId: z.string().regex(/^\d{1,20}$/, 'a numeric Telegram bot id'), flowId: flowIdSchema });
export const versionParams = flowParams.extend({ version: z.coerce.number().int().positive() });
export const diffQuery = z.object({ from: z.coerce.number().int().positive(), to: z.coerce.number().int().positive() });

type Version = typeof flowVersions.$inferSelect;
const versionView = (v: Version, activeId: string | null) => ({
  id: v.id,
  version: v.version,
  checksum: v.checksum,
  active: v.id === activeId,
  publishedAt: v.publishedAt.toISOString(),
});

/**
 * Flows of a bot: an editable draft, validation with every problem at once, publishing as an
 * immutable version, the list of versions, activating any of them (rolling back), and diffs.
 */
export function flowsRouter(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();

  async function requireBot(botId: string): Promise<void> {
    const [bot] = await db.select({ id: bots.id }).from(bots).where(eq(bots.id, botId));
    if (!bot) throw ApiError.notFound(`bot ${botId}`);
  }
  async function findFlow(botId: string, flowId: string) {
    const [flow] = await db.select().from(flows).where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
    if (!flow) throw ApiError.notFound(`flow ${flowId} of bot ${botId}`);
    return flow;
  }
  async function findVersion(botId: string, flowId: string, version: number): Promise<Version> {
    const [row] = await db
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.botId, botId), eq(flowVersions.flowId, flowId), eq(flowVersions.version, version)));
    if (!row) throw ApiError.notFound(`version ${version} of flow ${flowId}`);
    return row;
  }

  router.get('/bots/:botId/flows', async (req, res) => {
    const { botId } = parseRequest(flowParams.pick({ botId: true }), req, 'params');
    await requireBot(botId);
    const rows = await db.select().from(flows).where(eq(flows.botId, botId)).orderBy(flows.id);
    res.json({ items: rows.map((f) => ({ id: f.id, activeVersionId: f.activeVersionId, hasDraft: f.draft !== null, updatedAt: f.updatedAt.toISOString() })) });
  });

  router.get('/bots/:botId/flows/:flowId', async (req, res) => {
    const { botId, flowId } = parseRequest(flowParams, req, 'params');
    const flow = await findFlow(botId, flowId);
    res.json({ id: flow.id, botId, draft: flow.draft, activeVersionId: flow.activeVersionId });
  });

  router.put('/bots/:botId/flows/:flowId/draft', async (req, res) => {
    const { botId, flowId } = parseRequest(flowParams, req, 'params');
    await requireBot(botId);
    // A draft may be unfinished: it is stored as sent, and its problems are reported alongside.
    const draft = req.body as unknown;
    await db
      .insert(flows)
      .values({ botId, id: flowId, draft })
      .onConflictDoUpdate({ target: [flows.botId, flows.id], set: { draft, updatedAt: sql`now()` } });
    const checked = checkFlow(draft);
    res.json({ saved: true, publishable: checked.publishable, problems: checked.problems });
  });

  router.post('/bots/:botId/flows/:flowId/validate', async (req, res) => {
    const { botId, flowId } = parseRequest(flowParams, req, 'params');
    const json = req.body && Object.keys(req.body as object).length > 0 ? (req.body as unknown) : (await findFlow(botId, flowId)).draft;
    const checked = checkFlow(json);
    res.json({ publishable: checked.publishable, problems: checked.problems });
  });

  router.post('/bots/:botId/flows/:flowId/publish', async (req, res) => {
    const { botId, flowId } = parseRequest(flowParams, req, 'params');
    await requireBot(botId);
    const json = req.body && Object.keys(req.body as object).length > 0 ? (req.body as unknown) : (await findFlow(botId, flowId)).draft;
    if (json === null || json === undefined) throw new ApiError(400, 'invalid_request', 'no draft to publish and no flow in the body');
    try {
      const published = await publishFlow(db, botId, flowId, json);
      res.status(published.changed ? 201 : 200).json(published);
    } catch (err) {
      if (err instanceof InvalidFlowError) throw new ApiError(422, 'invalid_flow', err.message, err.problems);
      throw err;
    }
  });

  router.get('/bots/:botId/flows/:flowId/versions', async (req, res) => {
    const { botId, flowId } = parseRequest(flowParams, req, 'params');
    const flow = await findFlow(botId, flowId);
    const rows = await db
      .select()
      .from(flowVersions)
      .where(and(eq(flowVersions.botId, botId), eq(flowVersions.flowId, flowId)))
      .orderBy(desc(flowVersions.version));
    res.json({ items: rows.map((v) => versionView(v, flow.activeVersionId)) });
  });

  router.get('/bots/:botId/flows/:flowId/versions/:version', async (req, res) => {
    const { botId, flowId, version } = parseRequest(versionParams, req, 'params');
    const flow = await findFlow(botId, flowId);
    const row = await findVersion(botId, flowId, version);
    res.json({ ...versionView(row, flow.activeVersionId), definition: row.definition });
  });

  /** Makes a published version the one new runs use; activating an older one is a rollback. */
  router.post('/bots/:botId/flows/:flowId/versions/:version/activate', async (req, res) => {
    const { botId, flowId, version } = parseRequest(versionParams, req, 'params');
    await findFlow(botId, flowId);
    const row = await findVersion(botId, flowId, version);
    await db.update(flows).set({ activeVersionId: row.id, updatedAt: sql`now()` }).where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
    res.json(versionView(row, row.id));
  });

  router.get('/bots/:botId/flows/:flowId/diff', async (req, res) => {
    const { botId, flowId } = parseRequest(flowParams, req, 'params');
    const { from, to } = parseRequest(diffQuery, req, 'query');
    const [before, after] = await Promise.all([findVersion(botId, flowId, from), findVersion(botId, flowId, to)]);
    res.json({ from, to, ...diffFlows(before.definition as FlowVersion, after.definition as FlowVersion) });
  });

  return router;
}
