/** The chat simulator beside the canvas. (Placeholder.) */
export function TryItPanel() {
  return <p className="empty">The simulator will be here.</p>;
}
