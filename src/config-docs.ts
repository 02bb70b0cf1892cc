import { configReference } from './config-reference';

/** The README's configuration table, one row per variable in the schema's order. */
export function renderConfigTable(): string {
  const rows = Object.entries(configReference).map(
    ([name, { default: fallback, meaning }]) => `| \`${name}\` | ${fallback} | ${meaning} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

/** A default written as one code literal (`3000`), as a plain value; undefined for "unset", "generated", … */
export function literalDefault(markdown: string): string | undefined {
  return /^`([^`]*)`$/.exec(markdown)?.[1];
}

/**
 * `.env.example`: every variable, commented out, with what it means and its default, for a
 * newcomer to copy to `.env` (read by `loadConfig`) and uncomment what they change.
 */
export function renderEnvExample(): string {
  const lines = [
    '# Every variable the service reads, with its default (generated from src/config-reference.ts',
    '# by `npm run config:docs`). Copy to .env and uncomment what you change; the environment',
    '# wins over .env.',
  ];
  for (const [name, { default: fallback, meaning }] of Object.entries(configReference)) {
    const plain = (text: string) => text.replace(/`/g, '');
    const literal = literalDefault(fallback);
    lines.push('', `# ${plain(meaning)}${literal === undefined ? ` (default: ${plain(fallback)})` : ''}`, `# ${name}=${literal ?? ''}`);
  }
  return `${lines.join('\n')}\n`;
}
