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
  /** A read-only picture drawn instead of the draft (a published version, a diff between two), or null for the draft. */
  picture: CanvasPicture | null;
  setPicture(picture: CanvasPicture | null): void;
}

export interface CanvasPicture {
  /** What the picture shows, e.g. `Version 2` or `Changes from version 1 to the draft`. */
  title: string;
  doc: FlowDoc;
  marks?: CanvasMarks;
}

export const EditorContext = createContext<EditorState | null>(null);

export function useEditor(): EditorState {
  const editor = useContext(EditorContext);
  if (!editor) throw new Error('useEditor outside the editor');
  return editor;
}
