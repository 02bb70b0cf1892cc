import { and, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { bots, flows, flowVersions } from '../../db/schema';
import type { FlowVersion } from '../../flow';

/** Published flow versions, read once: a published version never changes, so the cache lives as long as the worker. */
export function flowVersionCache(db: Database) {
  const versions = new Map<string, FlowVersion>();
  return async function version(versionId: string): Promise<FlowVersion> {
    const cached = versions.get(versionId);
    if (cached) return cached;
    const [row] = await db.select({ definition: flowVersions.definition }).from(flowVersions).where(eq(flowVersions.id, versionId));
    if (!row) throw new Error(`flow version ${versionId} does not exist`);
    versions.set(versionId, row.definition as FlowVersion);
    return row.definition as FlowVersion;
  };
}

/** The flow a chat runs: which version of a bot's flow is active, and its definition. */
export function createFlowVersionActivities(deps: { db: Database; version: (versionId: string) => Promise<FlowVersion> }) {
  const { db, version } = deps;
  return {
    /**
     * The active version of a flow of the bot (its main flow when `flowId` is null). The
     * definition is returned only when the workflow does not hold it yet (`known`).
     */
    async resolveFlow(botId: string, flowId: string | null, known: string[]): Promise<{ versionId: string | null; flow?: FlowVersion }> {
      const [row] = await db
        .select({ versionId: flows.activeVersionId })
        .from(bots)
        .innerJoin(flows, and(eq(flows.botId, bots.id), eq(flows.id, flowId ?? bots.mainFlowId)))
        .where(eq(bots.id, botId));
      const versionId = row?.versionId ?? null;
      if (!versionId) return { versionId: null };
      return known.includes(versionId) ? { versionId } : { versionId, flow: await version(versionId) };
    },

    async loadFlowVersion(versionId: string): Promise<FlowVersion> {
      return version(versionId);
    },
  };
}
