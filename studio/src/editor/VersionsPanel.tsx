/** Published versions, diff and rollback. (Placeholder.) */
export function VersionsPanel() {
  return <p className="empty">Versions will be listed here.</p>;
}
