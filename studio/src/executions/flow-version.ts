import { useEffect, useState } from 'react';
import type { Api } from '../api';
import { toDoc, type FlowDoc } from '../flow/doc';

export interface FoundVersion {
  flowId: string;
  version: number;
  active: boolean;
  /** The version's definition as a picture: without its saved viewport, so the whole flow is fitted into view. */
  doc: FlowDoc;
}

const flowsPath = (botId: string) => `/api/bots/${encodeURIComponent(botId)}/flows`;

export type LocatedVersion = Omit<FoundVersion, 'doc'>;

/**
 * Which flow and version number a version id is (what a chat's state names as `flowVersionId`):
 * the API lists versions per flow, so the bot's flows are looked through, `likelyFlow` first.
 * A bot has a handful of flows.
 */
export async function locateVersion(api: Api, botId: string, versionId: string, likelyFlow?: string): Promise<LocatedVersion | null> {
  const flows = await api.get<{ items: { id: string }[] }>(flowsPath(botId));
  const ids = flows.items.map((f) => f.id).sort((a, b) => Number(b === likelyFlow) - Number(a === likelyFlow));
  for (const flowId of ids) {
    const versions = await api.get<{ items: { id: string; version: number; active: boolean }[] }>(
      `${flowsPath(botId)}/${encodeURIComponent(flowId)}/versions`,
    );
    const found = versions.items.find((v) => v.id === versionId);
    if (found) return { flowId, version: found.version, active: found.active };
  }
  return null;
}

/** A published version by its id, with its definition. */
export async function findFlowVersion(api: Api, botId: string, versionId: string): Promise<FoundVersion | null> {
  const located = await locateVersion(api, botId, versionId);
  if (!located) return null;
  const { definition } = await api.get<{ definition: unknown }>(
    `${flowsPath(botId)}/${encodeURIComponent(located.flowId)}/versions/${located.version}`,
  );
  const { viewport: _fitted, ...doc } = toDoc(definition);
  return { ...located, doc: doc as FlowDoc };
}

/** The version a chat runs, looked up once per version id (null while unknown or not found). */
export function useFlowVersion(api: Api, botId: string | null, versionId: string | null) {
  const [found, setFound] = useState<{ key: string; version: FoundVersion | null; error?: string } | null>(null);
  const key = `${botId}/${versionId}`;
  useEffect(() => {
    if (!botId || !versionId) return;
    let current = true;
    findFlowVersion(api, botId, versionId)
      .then((version) => current && setFound({ key, version }))
      .catch((err: Error) => current && setFound({ key, version: null, error: err.message }));
    return () => {
      current = false;
    };
  }, [api, botId, versionId, key]);
  return found?.key === key ? found : null;
}

/** The version a chat at rest would run next: the active version of its bot's main flow. */
export function useMainFlowVersionId(api: Api, botId: string, wanted: boolean): string | null {
  const [found, setFound] = useState<string | null>(null);
  useEffect(() => {
    if (!wanted) return;
    let current = true;
    void (async () => {
      const bot = await api.get<{ mainFlowId: string }>(`/api/bots/${encodeURIComponent(botId)}`);
      const flows = await api.get<{ items: { id: string; activeVersionId: string | null }[] }>(flowsPath(botId));
      const main = flows.items.find((f) => f.id === bot.mainFlowId);
      if (current) setFound(main?.activeVersionId ?? null);
    })().catch(() => {});
    return () => {
      current = false;
    };
  }, [api, botId, wanted]);
  return wanted ? found : null;
}
