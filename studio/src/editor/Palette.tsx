import { useState } from 'react';
import { categories, paletteEntries, type PaletteEntry } from '../flow/catalogue';
import { newNodeId, type FlowDoc } from '../flow/doc';
import { freeSpot } from './auto-layout';
import { PALETTE_MIME } from './Canvas';
import { useEditor } from './editor-context';
import './properties/properties.css';

/**
 * Puts a node of `type` in the middle of the visible canvas – or the nearest free spot there – the
 * same way a drop does (the canvas turns a drop's screen point into flow coordinates). The view's
 * pan and zoom are read from React Flow's viewport element.
 */
function dropAtCentre(type: string, doc: FlowDoc): boolean {
  const canvas = document.querySelector<HTMLElement>('[data-testid="canvas"]');
  const viewport = canvas?.querySelector<HTMLElement>('.react-flow__viewport');
  if (!canvas || !viewport) return false;
  const box = canvas.getBoundingClientRect();
  const { a: zoom, e: panX, f: panY } = new DOMMatrixReadOnly(getComputedStyle(viewport).transform);
  const card = { width: 220, height: 90 };
  const centre = { x: (box.width / 2 - panX) / zoom - card.width / 2, y: (box.height / 2 - panY) / zoom - card.height / 2 };
  const spot = freeSpot(doc, centre, card);
  const dataTransfer = new DataTransfer();
  dataTransfer.setData(PALETTE_MIME, type);
  const drop = new DragEvent('drop', {
    bubbles: true,
    cancelable: true,
    dataTransfer,
    clientX: box.left + panX + spot.x * zoom,
    clientY: box.top + panY + spot.y * zoom,
  });
  canvas.dispatchEvent(drop);
  return drop.defaultPrevented;
}

/**
 * Node types by category, with a search over type and summary. Drag one onto the canvas, or
 * click it (or press Enter on it) to add it in the middle of the view; the new node is selected.
 */
export function Palette() {
  const { doc, select } = useEditor();
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = paletteEntries.filter((e) => needle === '' || e.type.includes(needle) || e.summary.toLowerCase().includes(needle));
  const add = (entry: PaletteEntry) => {
    const id = newNodeId(doc, entry.type);
    if (dropAtCentre(entry.type, doc)) select({ kind: 'node', id });
  };
  return (
    <aside className="palette" aria-label="node palette">
      <input
        type="search"
        placeholder="Search nodes"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        onKeyDown={(e) => {
          // Enter in the search adds the only (or first) match.
          const first = shown[0];
          if (e.key === 'Enter' && first) add(first);
        }}
        aria-label="search nodes"
      />
      {shown.length === 0 && <p className="empty">No node type matches.</p>}
      {categories.map((category) => {
        const entries = shown.filter((e) => e.category === category.id);
        if (entries.length === 0) return null;
        return (
          <section key={category.id} aria-label={category.label}>
            <h3>{category.label}</h3>
            {entries.map((entry) => (
              <button
                type="button"
                key={entry.type}
                className={`palette-entry category-${entry.category}`}
                draggable
                onDragStart={(event) => {
                  event.dataTransfer.setData(PALETTE_MIME, entry.type);
                  event.dataTransfer.effectAllowed = 'copy';
                }}
                onClick={() => add(entry)}
                title={`${entry.summary}\nDrag onto the canvas, or click to add in the middle of the view.`}
                aria-label={`add ${entry.type}`}
                data-testid={`palette-${entry.type}`}
              >
                {entry.type}
                <span className="palette-summary">{entry.summary}</span>
              </button>
            ))}
          </section>
        );
      })}
    </aside>
  );
}
