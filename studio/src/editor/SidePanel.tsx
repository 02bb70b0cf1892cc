import { useState } from 'react';
import { useEditor } from './editor-context';
import { ProblemsPanel } from './ProblemsPanel';
import { PropertiesPanel } from './PropertiesPanel';
import { TryItPanel } from './TryItPanel';
import { VariablesPanel } from './VariablesPanel';
import { VersionsPanel } from './VersionsPanel';

const tabs = [
  { id: 'properties', label: 'Properties' },
  { id: 'variables', label: 'Variables' },
  { id: 'problems', label: 'Problems' },
  { id: 'versions', label: 'Versions' },
  { id: 'try', label: 'Try it' },
] as const;
type Tab = (typeof tabs)[number]['id'];

/** The editor's right-hand side: one panel at a time. */
export function SidePanel() {
  const { problems } = useEditor();
  const [tab, setTab] = useState<Tab>('properties');
  return (
    <aside className="side-panel">
      <div className="tabs" role="tablist">
        {tabs.map((t) => (
          <button key={t.id} type="button" role="tab" aria-selected={tab === t.id} onClick={() => setTab(t.id)}>
            {t.label}
            {t.id === 'problems' && problems.length > 0 ? ` (${problems.length})` : ''}
          </button>
        ))}
      </div>
      <div className="tab-body" role="tabpanel">
        {tab === 'properties' && <PropertiesPanel />}
        {tab === 'variables' && <VariablesPanel />}
        {tab === 'problems' && <ProblemsPanel onChoose={setTab} />}
        {tab === 'versions' && <VersionsPanel />}
        {tab === 'try' && <TryItPanel />}
      </div>
    </aside>
  );
}
