/**
 * React Flow objects of the last drawing, reused while what they are drawn from is unchanged:
 * React Flow and the memoised node cards then skip them, so selecting one node of 300 redraws
 * what changed (two nodes) instead of every node and edge, whose labels it would measure again
 * (SVG getBBox). In a CPU profile of five clicks on a 300-node flow this took the page's work from
 * about 3.0 s to 2.1 s; bench:studio's click → properties latency moved less (it waits for frames).
 */
export class DrawnCache<Source, Drawn> {
  private last = new Map<string, { source: Source; key: string; drawn: Drawn }>();

  /** Draws every item, reusing the last object of an id whose source (by identity) and key are the same. */
  drawAll<T extends Source>(
    items: readonly T[],
    id: (item: T) => string,
    key: (item: T, index: number) => string,
    draw: (item: T, index: number) => Drawn,
  ): Drawn[] {
    const next = new Map<string, { source: Source; key: string; drawn: Drawn }>();
    const drawn = items.map((item, index) => {
      const itemId = id(item);
      const itemKey = key(item, index);
      const previous = this.last.get(itemId);
      const value = previous && previous.source === item && previous.key === itemKey ? previous.drawn : draw(item, index);
      next.set(itemId, { source: item, key: itemKey, drawn: value });
      return value;
    });
    this.last = next;
    return drawn;
  }
}
