import { createContext, useContext } from 'react';
import type { Problem } from '../../../src/flow';
import type { FlowDoc } from '../flow/doc';
import type { FlowHistory } from '../flow/history';
import type { DraftSaver } from './autosave';
import type { CanvasMarks, Selection } from './Canvas';

/** What the editor's panels share: the document and its history, the selection, the problems. */
export interface EditorState {
  botId: string;
  flowId: string;
  history: FlowHistory;
  doc: FlowDoc;
  /** Every problem of the document as the validator sees it, updated as one edits. */
  problems: readonly Problem[];
  selection: Selection;
  select(selection: Selection): void;
  /** A field to show in the properties panel (a problem's path inside the selected node's data). */
  focusPath: readonly (string | number)[] | null;
  setFocusPath(path: readonly (string | number)[] | null): void;
  /** True for a read-only token: everything shows, nothing changes. */
  readOnly: boolean;
  draft: DraftSaver;
  /** Marks laid over the canvas by a panel (a diff between versions), or null for the problems' marks. */
  overlay: CanvasMarks | null;
  setOverlay(marks: CanvasMarks | null): void;
  /** Asks the canvas to fit the flow into view. */
  fitView(): void;
}

export const EditorContext = createContext<EditorState | null>(null);

export function useEditor(): EditorState {
  const editor = useContext(EditorContext);
  if (!editor) throw new Error('useEditor outside the editor');
  return editor;
}
