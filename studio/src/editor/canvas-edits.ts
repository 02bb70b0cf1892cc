import { useMemo } from 'react';
import { addNode, connect, moveNodes, newNodeId, removeElements } from '../flow/doc';
import type { FlowHistory } from '../flow/history';
import type { CanvasProps } from './Canvas';
import { newNodeData } from './properties/new-node';

/** The canvas's gestures as undoable edits of the document (none for a read-only token). */
export function useCanvasEdits(history: FlowHistory, canWrite: boolean): CanvasProps['edit'] {
  return useMemo(
    () =>
      canWrite
        ? {
            moveNodes: (positions) => history.apply((doc) => moveNodes(doc, positions)),
            connect: (source, handle, target) => history.apply((doc) => connect(doc, source, handle, target)),
            remove: (nodeIds, edgeIds) => history.apply((doc) => removeElements(doc, nodeIds, edgeIds)),
            addNode: (type, position) =>
              history.apply((doc) =>
                addNode(doc, { id: newNodeId(doc, type), type, position: roundPosition(position), data: newNodeData(type) }),
              ),
          }
        : undefined,
    [history, canWrite],
  );
}

const roundPosition = (p: { x: number; y: number }) => ({ x: Math.round(p.x), y: Math.round(p.y) });
