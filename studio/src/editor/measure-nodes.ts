import type { Size } from './auto-layout';

/**
 * The sizes React Flow drew the nodes at, read from the page (offsetWidth ignores the canvas
 * zoom). Nodes outside the view are not drawn; they are estimated.
 */
export function measuredSizes(): Map<string, Size> {
  const sizes = new Map<string, Size>();
  for (const element of document.querySelectorAll<HTMLElement>('.react-flow__node[data-id]')) {
    const id = element.dataset.id;
    if (id && element.offsetWidth > 0 && element.offsetHeight > 0)
      sizes.set(id, { width: element.offsetWidth, height: element.offsetHeight });
  }
  return sizes;
}
