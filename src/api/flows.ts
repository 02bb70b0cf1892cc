import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { WebhookBotCache } from '../ingress/bot-cache';
import { Router } from 'express';
import { z } from 'zod';
import { InvalidFlowError, publishFlow } from '../bots/registry';
import type { Database } from '../db/client';
import { flows, flowVersions } from '../db/schema';
import { checkFlow, diffFlows, flowVersionSchema, problemCodes, type FlowVersion } from '../flow';
import { ApiError } from '../http/errors';
import { routeTo } from '../http/route';
import { audit } from './audit';
import { botIdSchema, requireBot } from './bot-lookup';
import {
  draftPreconditions,
  etagHeader,
  etagOf,
  meets,
  preconditionFailed,
  preconditionFailure,
  preconditionOf,
  publishPreconditions,
  type Precondition,
} from './draft-revisions';

const flowIdSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -');
export const flowParams = z.object({ botId: botIdSchema, flowId: flowIdSchema });
export const versionParams = flowParams.extend({ version: z.coerce.number().int().positive() });
export const diffQuery = z.object({ from: z.coerce.number().int().positive(), to: z.coerce.number().int().positive() });
/**
 * A flow as sent to be saved, checked or published: any JSON object. It is not rejected for
 * being invalid – a draft may be unfinished, and checking reports every problem at once.
 */
const flowJson = z
  .record(z.string(), z.unknown())
  .describe('A flow (nodes, edges, variables, settings: as the `definition` of a version, or `npm run flow:schema`), finished or not.');
/** For validate and publish: absent or `{}` means the saved draft. */
const flowJsonOrDraft = flowJson.optional();

const problemSchema = z.object({
  code: z.enum(Object.keys(problemCodes) as [keyof typeof problemCodes, ...(keyof typeof problemCodes)[]]),
  severity: z.enum(['error', 'warning']),
  nodeId: z.string().optional(),
  path: z.array(z.union([z.string(), z.number()])).describe('JSON path into the flow'),
  message: z.string(),
});
const checkedSchema = z.object({ publishable: z.boolean(), problems: z.array(problemSchema) });
const versionSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  checksum: z.string(),
  active: z.boolean(),
  publishedAt: z.iso.datetime(),
});
const publishedSchema = z.object({ versionId: z.string(), version: z.number().int(), changed: z.boolean() });
const idChanges = z.object({ added: z.array(z.string()), removed: z.array(z.string()), changed: z.array(z.string()) });

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
/** `webhookBots`: the webhook route's cache, told when a bot's active version changes. */
export function flowsRouter(deps: { db: Database; webhookBots?: WebhookBotCache }): Router {
  const { db } = deps;
  const router = Router();
  const route = routeTo(router, '/api');

  async function findFlow(botId: string, flowId: string) {
    const [flow] = await db
      .select()
      .from(flows)
      .where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
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
  async function draftRevisionOf(botId: string, flowId: string): Promise<number | null> {
    const [row] = await db
      .select({ draftRevision: flows.draftRevision })
      .from(flows)
      .where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
    return row?.draftRevision ?? null;
  }
  /**
   * Saves the draft if the stored one meets the precondition, in one statement – a conditional
   * INSERT or UPDATE, which PostgreSQL re-checks against the row as the concurrent save that got
   * there first left it – and bumps its revision. The new revision, or undefined when the
   * precondition did not hold.
   */
  async function saveDraft(botId: string, flowId: string, draft: unknown, precondition: Precondition): Promise<number | undefined> {
    const set = { draft, draftRevision: sql`${flows.draftRevision} + 1`, updatedAt: sql`now()` };
    const returning = { draftRevision: flows.draftRevision };
    const thisFlow = and(eq(flows.botId, botId), eq(flows.id, flowId));
    let saved: { draftRevision: number }[];
    switch (precondition.kind) {
      case 'none':
        saved = await db
          .insert(flows)
          .values({ botId, id: flowId, draft, draftRevision: 1 })
          .onConflictDoUpdate({ target: [flows.botId, flows.id], set })
          .returning(returning);
        break;
      case 'absent':
        saved = await db.insert(flows).values({ botId, id: flowId, draft, draftRevision: 1 }).onConflictDoNothing().returning(returning);
        break;
      case 'exists':
        saved = await db.update(flows).set(set).where(thisFlow).returning(returning);
        break;
      case 'revision':
        if (precondition.revisions.length === 0) return undefined;
        saved = await db
          .update(flows)
          .set(set)
          .where(and(thisFlow, inArray(flows.draftRevision, precondition.revisions)))
          .returning(returning);
        break;
    }
    return saved[0]?.draftRevision;
  }

  route(
    {
      method: 'get',
      path: '/bots/:botId/flows',
      summary: 'Flows of a bot',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams.pick({ botId: true }),
      responses: {
        200: {
          description: 'the flows',
          schema: z.object({
            items: z.array(
              z.object({ id: z.string(), activeVersionId: z.string().nullable(), hasDraft: z.boolean(), updatedAt: z.iso.datetime() }),
            ),
          }),
        },
        404: { description: 'no such bot' },
      },
    },
    async ({ params: { botId } }, _req, res) => {
      await requireBot(db, botId);
      const rows = await db.select().from(flows).where(eq(flows.botId, botId)).orderBy(flows.id);
      res.json({
        items: rows.map((f) => ({
          id: f.id,
          activeVersionId: f.activeVersionId,
          hasDraft: f.draft !== null,
          updatedAt: f.updatedAt.toISOString(),
        })),
      });
    },
  );

  route(
    {
      method: 'get',
      path: '/bots/:botId/flows/:flowId',
      summary: 'A flow with its draft',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams,
      responses: {
        200: {
          description: 'the flow',
          schema: z.object({
            id: z.string(),
            botId: z.string(),
            draft: z.unknown().describe('the draft as saved (null when there is none)'),
            draftRevision: z.number().int().describe('bumped by every save of the draft; 0 before the first one'),
            activeVersionId: z.string().nullable(),
          }),
          headers: etagHeader,
        },
        404: { description: 'no such flow' },
      },
    },
    async ({ params: { botId, flowId } }, _req, res) => {
      const flow = await findFlow(botId, flowId);
      // The ETag names the draft only, not the active version: no cache may answer a later GET with this one.
      res.set({ ETag: etagOf(flow.draftRevision), 'Cache-Control': 'no-store' });
      res.json({ id: flow.id, botId, draft: flow.draft, draftRevision: flow.draftRevision, activeVersionId: flow.activeVersionId });
    },
  );

  route(
    {
      method: 'put',
      path: '/bots/:botId/flows/:flowId/draft',
      summary: 'Save a draft (any JSON object; its problems are returned)',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams,
      headers: draftPreconditions,
      body: flowJson,
      responses: {
        200: {
          description: 'saved (with its new revision), with problems',
          schema: checkedSchema.extend({
            saved: z.literal(true),
            draftRevision: z.number().int().describe('the new revision (1 for a new flow)'),
          }),
          headers: etagHeader,
        },
        404: { description: 'no such bot' },
        412: preconditionFailed,
      },
    },
    async ({ params: { botId, flowId }, headers, body: draft }, req, res) => {
      await requireBot(db, botId);
      const precondition = preconditionOf(headers);
      // A draft may be unfinished: it is stored as sent, and its problems are reported alongside.
      const revision = await saveDraft(botId, flowId, draft, precondition);
      if (revision === undefined)
        throw preconditionFailure(res, precondition, await draftRevisionOf(botId, flowId), `flow ${flowId} of bot ${botId}`);
      const checked = checkFlow(draft);
      await audit(db, req, 'flow.draft', `flow:${botId}/${flowId}`, { publishable: checked.publishable, draftRevision: revision });
      res.set('ETag', etagOf(revision));
      res.json({ saved: true, draftRevision: revision, publishable: checked.publishable, problems: checked.problems });
    },
  );

  route(
    {
      method: 'post',
      path: '/bots/:botId/flows/:flowId/validate',
      summary: 'Validate the draft (or the flow in the body)',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams,
      body: flowJsonOrDraft,
      responses: {
        200: { description: 'every problem, with code, node and path', schema: checkedSchema },
        404: { description: 'no such flow (when the body names none)' },
      },
    },
    async ({ params: { botId, flowId }, body }, _req, res) => {
      const json = body && Object.keys(body).length > 0 ? body : (await findFlow(botId, flowId)).draft;
      const checked = checkFlow(json);
      res.json({ publishable: checked.publishable, problems: checked.problems });
    },
  );

  route(
    {
      method: 'post',
      path: '/bots/:botId/flows/:flowId/publish',
      summary: 'Publish the draft (or the body) as a new immutable version',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams,
      headers: publishPreconditions,
      body: flowJsonOrDraft,
      responses: {
        200: { description: 'identical to the active version: nothing changed', schema: publishedSchema },
        201: { description: 'published and active', schema: publishedSchema },
        404: { description: 'no such bot or flow' },
        412: preconditionFailed,
        422: { description: 'the flow has errors (`details`: every problem)' },
      },
    },
    async ({ params: { botId, flowId }, headers, body }, req, res) => {
      await requireBot(db, botId);
      const precondition = preconditionOf(headers);
      const given = body && Object.keys(body).length > 0 ? body : undefined;
      let json: unknown = given;
      if (precondition.kind !== 'none') {
        // Draft and revision come from one read: what is published is the draft the caller saw,
        // even if someone saves another one a moment later.
        const [flow] = await db
          .select()
          .from(flows)
          .where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
        const current = flow?.draftRevision ?? null;
        if (!meets(precondition, current)) throw preconditionFailure(res, precondition, current, `flow ${flowId} of bot ${botId}`);
        if (!given) json = flow?.draft;
      } else if (!given) json = (await findFlow(botId, flowId)).draft;
      if (json === null || json === undefined) throw new ApiError(400, 'invalid_request', 'no draft to publish and no flow in the body');
      try {
        const published = await publishFlow(db, botId, flowId, json);
        deps.webhookBots?.forget(botId);
        if (published.changed) await audit(db, req, 'flow.publish', `flow:${botId}/${flowId}`, { version: published.version });
        res.status(published.changed ? 201 : 200).json(published);
      } catch (err) {
        if (err instanceof InvalidFlowError) throw new ApiError(422, 'invalid_flow', err.message, err.problems);
        throw err;
      }
    },
  );

  route(
    {
      method: 'get',
      path: '/bots/:botId/flows/:flowId/versions',
      summary: 'Published versions, newest first',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams,
      responses: {
        200: { description: 'the versions', schema: z.object({ items: z.array(versionSchema) }) },
        404: { description: 'no such flow' },
      },
    },
    async ({ params: { botId, flowId } }, _req, res) => {
      const flow = await findFlow(botId, flowId);
      const rows = await db
        .select()
        .from(flowVersions)
        .where(and(eq(flowVersions.botId, botId), eq(flowVersions.flowId, flowId)))
        .orderBy(desc(flowVersions.version));
      res.json({ items: rows.map((v) => versionView(v, flow.activeVersionId)) });
    },
  );

  route(
    {
      method: 'get',
      path: '/bots/:botId/flows/:flowId/versions/:version',
      summary: 'One version with its definition',
      tag: 'flows',
      auth: 'bearer',
      params: versionParams,
      responses: {
        200: {
          description: 'the version',
          schema: versionSchema.extend({
            definition: flowVersionSchema,
            problems: z.array(problemSchema).describe("under today's rules"),
          }),
        },
        404: { description: 'no such version' },
      },
    },
    async ({ params: { botId, flowId, version } }, _req, res) => {
      const flow = await findFlow(botId, flowId);
      const row = await findVersion(botId, flowId, version);
      // Problems under today's rules: a version published before a rule became stricter shows them.
      res.json({ ...versionView(row, flow.activeVersionId), definition: row.definition, problems: checkFlow(row.definition).problems });
    },
  );

  /** Makes a published version the one new runs use; activating an older one is a rollback. */
  route(
    {
      method: 'post',
      path: '/bots/:botId/flows/:flowId/versions/:version/activate',
      summary: 'Make a version the active one (rollback)',
      tag: 'flows',
      auth: 'bearer',
      params: versionParams,
      responses: { 200: { description: 'activated', schema: versionSchema }, 404: { description: 'no such version' } },
    },
    async ({ params: { botId, flowId, version } }, req, res) => {
      await findFlow(botId, flowId);
      const row = await findVersion(botId, flowId, version);
      await db
        .update(flows)
        .set({ activeVersionId: row.id, updatedAt: sql`now()` })
        .where(and(eq(flows.botId, botId), eq(flows.id, flowId)));
      deps.webhookBots?.forget(botId);
      await audit(db, req, 'flow.activate', `flow:${botId}/${flowId}`, { version });
      res.json(versionView(row, row.id));
    },
  );

  route(
    {
      method: 'get',
      path: '/bots/:botId/flows/:flowId/diff',
      summary: 'Nodes, edges and variables added, removed, changed between two versions',
      tag: 'flows',
      auth: 'bearer',
      params: flowParams,
      query: diffQuery,
      responses: {
        200: {
          description: 'the diff',
          schema: z.object({
            from: z.number().int(),
            to: z.number().int(),
            nodes: idChanges,
            edges: idChanges,
            settingsChanged: z.boolean(),
            variables: idChanges.describe('by `scope.name`'),
          }),
        },
        404: { description: 'no such version' },
      },
    },
    async ({ params: { botId, flowId }, query: { from, to } }, _req, res) => {
      const [before, after] = await Promise.all([findVersion(botId, flowId, from), findVersion(botId, flowId, to)]);
      res.json({ from, to, ...diffFlows(before.definition as FlowVersion, after.definition as FlowVersion) });
    },
  );

  return router;
}
