import { useState } from 'react';
import { categories, paletteEntries } from '../flow/catalogue';
import { PALETTE_MIME } from './Canvas';

/** Node types by category, with a search; drag one onto the canvas. */
export function Palette() {
  const [search, setSearch] = useState('');
  const needle = search.trim().toLowerCase();
  const shown = paletteEntries.filter((e) => needle === '' || e.type.includes(needle) || e.summary.toLowerCase().includes(needle));
  return (
    <aside className="palette" aria-label="node palette">
      <input
        type="search"
        placeholder="Search nodes"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        aria-label="search nodes"
      />
      {categories.map((category) => {
        const entries = shown.filter((e) => e.category === category.id);
        if (entries.length === 0) return null;
        return (
          <section key={category.id}>
            <h3>{category.label}</h3>
            {entries.map((entry) => (
              <div
                key={entry.type}
                className={`palette-entry category-${entry.category}`}
                draggable
                onDragStart={(event) => {
                  event.dataTransfer.setData(PALETTE_MIME, entry.type);
                  event.dataTransfer.effectAllowed = 'copy';
                }}
                title={entry.summary}
                data-testid={`palette-${entry.type}`}
              >
                {entry.type}
              </div>
            ))}
          </section>
        );
      })}
    </aside>
  );
}
