/**
 * The dependency check (`npm run deps`) and picture (`npm run deps:graph`) of src/.
 *
 * dependency-cruiser checks the rules of .dependency-cruiser.cjs module by module (module cycles,
 * layers, the Telegram emulator). What it cannot say is whether two folders need each other at
 * run time through different modules (api/app.ts → ingress/webhook.ts → api/route.ts is no
 * module cycle, but makes api and ingress one knot): that is checked here, on the same cruise,
 * with the modules collapsed to their src/<folder> (a file directly in src/ stands for itself)
 * and type-only imports left out, since they are erased at compile time.
 *
 *   --check  rule violations and folder cycles; exits 1 if there is any
 *   --graph  the folder-level picture as text: each folder and what it imports
 */
// A plain ES module: dependency-cruiser is one, and the project's TypeScript resolves CommonJS.
import { cruise, format } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

/** @param {string | undefined} mode */
async function main(mode) {
  if (mode !== '--check' && mode !== '--graph') {
    console.error('usage: deps.ts --check | --graph');
    return 2;
  }
  const options = await extractDepcruiseOptions('./.dependency-cruiser.cjs');
  const tsConfig = extractTSConfig('tsconfig.json');
  const cruised = await cruise(['src'], options, undefined, { tsConfig });
  const result = /** @type {import('dependency-cruiser').ICruiseResult} */ (cruised.output);
  const edges = folderEdges(result.modules);
  if (mode === '--graph') {
    process.stdout.write(picture(edges));
    return 0;
  }
  const violations = result.summary.error;
  if (violations > 0) process.stdout.write(String((await format(result, { outputType: 'err' })).output));
  const cycles = folderCycles(edges, (edge) => !edge.typeOnly);
  for (const cycle of cycles) {
    console.log(`\n  error no-folder-cycle: ${cycle.join(' ⇄ ')} need each other at run time:`);
    for (const from of cycle) {
      for (const edge of edges.get(from) ?? []) {
        if (!cycle.includes(edge.to) || edge.typeOnly) continue;
        for (const example of edge.examples) console.log(`    ${example.from} → ${example.to}`);
      }
    }
  }
  if (violations === 0 && cycles.length === 0) console.log(`✔ no dependency violations (${result.summary.totalCruised} modules)`);
  else console.log(`\n✘ ${violations} rule violation(s), ${cycles.length} folder cycle(s)`);
  return violations > 0 || cycles.length > 0 ? 1 : 0;
}

/**
 * @typedef {object} FolderEdge
 * @property {string} to
 * @property {boolean} typeOnly every import behind it is type-only (erased at compile time)
 * @property {{ from: string, to: string }[]} examples
 */

/** src/<folder> of a module, or the module itself for a file directly in src/. */
/** @param {string} source */
function folderOf(source) {
  const match = /^src\/([^/]+)\//.exec(source);
  return match ? `src/${match[1]}` : source;
}

/**
 * @param {import('dependency-cruiser').IModule[]} modules
 * @returns {Map<string, FolderEdge[]>}
 */
function folderEdges(modules) {
  /** @type {Map<string, Map<string, FolderEdge>>} */
  const edges = new Map();
  for (const module of modules) {
    if (!module.source.startsWith('src/')) continue;
    const from = folderOf(module.source);
    if (!edges.has(from)) edges.set(from, new Map());
    for (const dependency of module.dependencies) {
      if (!dependency.resolved.startsWith('src/')) continue;
      const to = folderOf(dependency.resolved);
      if (to === from) continue;
      const byTarget = edges.get(from) ?? new Map();
      edges.set(from, byTarget);
      const edge = byTarget.get(to) ?? { to, typeOnly: true, examples: [] };
      byTarget.set(to, edge);
      const typeOnly = dependency.dependencyTypes.includes('type-only');
      if (!typeOnly) {
        // The folder edge is a run-time one: keep only the imports that make it so.
        if (edge.typeOnly) edge.examples = [];
        edge.typeOnly = false;
      }
      if (typeOnly && !edge.typeOnly) continue;
      edge.examples.push({ from: module.source, to: dependency.resolved });
    }
  }
  return new Map([...edges].map(([from, byTarget]) => [from, [...byTarget.values()].sort((a, b) => a.to.localeCompare(b.to))]));
}

/** The folders that reach each other through `counts` edges (Tarjan's strongly connected components). */
/**
 * @param {Map<string, FolderEdge[]>} edges
 * @param {(edge: FolderEdge) => boolean} counts
 * @returns {string[][]}
 */
function folderCycles(edges, counts) {
  /** @type {Map<string, number>} */
  const index = new Map();
  /** @type {Map<string, number>} */
  const low = new Map();
  /** @type {string[]} */
  const stack = [];
  const onStack = new Set();
  /** @type {string[][]} */
  const components = [];
  /** @param {string} node */
  const visit = (node) => {
    index.set(node, index.size);
    low.set(node, index.get(node));
    stack.push(node);
    onStack.add(node);
    for (const edge of (edges.get(node) ?? []).filter(counts)) {
      if (!index.has(edge.to)) {
        visit(edge.to);
        low.set(node, Math.min(low.get(node), low.get(edge.to)));
      } else if (onStack.has(edge.to)) low.set(node, Math.min(low.get(node), index.get(edge.to)));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = [];
    let member;
    do {
      member = stack.pop();
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) components.push(component.sort());
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** @param {Map<string, FolderEdge[]>} edges */
function picture(edges) {
  const lines = [
    '# Folder-level dependencies of src/ (npm run deps:graph): each folder, then what it imports.',
    '# (types) marks an edge made of type-only imports, which are erased at compile time.',
    '',
  ];
  for (const from of [...edges.keys()].sort()) {
    const targets = edges.get(from) ?? [];
    if (targets.length === 0) lines.push(`${from} → (nothing in src)`);
    else lines.push(`${from} → ${targets.map((edge) => (edge.typeOnly ? `${edge.to} (types)` : edge.to)).join(', ')}`);
  }
  return `${lines.join('\n')}\n`;
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
