/** Flow JSON for integration tests, written the way an author would send it to the API. */
export type NodeJson = { id: string; type: string; data: Record<string, unknown> };

/** An edge from `source`'s `sourceHandle` (default `next`) to `target`, with an id made of the three. */
export const edge = (source: string, target: string, sourceHandle?: string) => ({
  id: `${source}-${sourceHandle ?? 'next'}-${target}`,
  source,
  target,
  ...(sourceHandle ? { sourceHandle } : {}),
});

export const flow = (nodes: NodeJson[], edges: ReturnType<typeof edge>[], extra: Record<string, unknown> = {}) => ({
  nodes,
  edges,
  ...extra,
});
