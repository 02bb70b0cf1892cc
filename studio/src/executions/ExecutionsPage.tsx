/** Executions with their filters. (Placeholder.) */
export function ExecutionsPage() {
  return <p className="empty">Executions will be listed here.</p>;
}
