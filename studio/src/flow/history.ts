import { useMemo, useSyncExternalStore } from 'react';
import type { FlowDoc } from './doc';

/**
 * The document being edited with its undo and redo stacks. Each edit is one step; edits that
 * carry the same `coalesce` key in a row (typing in one field) merge into one step, so undo takes
 * back a word rather than a letter.
 */
export class FlowHistory {
  private past: FlowDoc[] = [];
  private future: FlowDoc[] = [];
  private lastKey: string | null = null;
  private listeners = new Set<() => void>();
  /** Bumped on every change; the autosave compares it with what it saved last. */
  revision = 0;

  constructor(
    private current: FlowDoc,
    private readonly limit = 200,
  ) {}

  get doc(): FlowDoc {
    return this.current;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }

  apply(change: (doc: FlowDoc) => FlowDoc, coalesce?: string): void {
    const next = change(this.current);
    if (next === this.current) return;
    if (!(coalesce && coalesce === this.lastKey)) {
      this.past.push(this.current);
      if (this.past.length > this.limit) this.past.shift();
    }
    this.future = [];
    this.lastKey = coalesce ?? null;
    this.set(next);
  }

  /** Replaces the document without an undo step (loading, or taking the server's version). */
  reset(doc: FlowDoc): void {
    this.past = [];
    this.future = [];
    this.lastKey = null;
    this.set(doc);
  }

  undo(): void {
    const previous = this.past.pop();
    if (!previous) return;
    this.future.push(this.current);
    this.lastKey = null;
    this.set(previous);
  }

  redo(): void {
    const next = this.future.pop();
    if (!next) return;
    this.past.push(this.current);
    this.lastKey = null;
    this.set(next);
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  private set(doc: FlowDoc): void {
    this.current = doc;
    this.revision++;
    for (const listener of this.listeners) listener();
  }
}

/** The history's document, re-rendering on every change. */
export function useFlowDoc(history: FlowHistory): FlowDoc {
  const subscribe = useMemo(() => history.subscribe, [history]);
  return useSyncExternalStore(subscribe, () => history.doc);
}
