/**
 * CSS classes per node and edge id, as computed by pure code (a diff, a chat's path); the canvas
 * takes them as its `marks` (CanvasMarks). Kept apart from Canvas.tsx so that pure modules and
 * their unit tests need no JSX.
 */
export interface MarkMaps {
  nodes: Map<string, string[]>;
  edges: Map<string, string[]>;
}
