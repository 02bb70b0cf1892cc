// @ts-check
/**
 * What `npm run deps` checks: no import cycles, and imports that point down the layers only.
 *
 *   entrypoints                                   (the processes: npm start, api, worker, infra…)
 *   app                                           (composition: wires the processes below)
 *   runtime · workers · api · ingress · simulator · studio (embedded servers, worker, HTTP, Telegram in, the studio's page)
 *   http · executions                             (what those share: the HTTP kit, execution views)
 *   workflows · activities                        (Temporal: the durable code and its side effects)
 *   bots · generation · credits · telegram · http-node   (the domain)
 *   flow · db · temporal                          (the flow language, storage, Temporal names)
 *   src/*.ts                                      (config, logger, metrics, tracing: used by all)
 *
 * A layer may import its own and any lower one, never a higher one; folders of one layer may
 * import each other as long as no cycle forms. Type-only imports are erased at compile time, so
 * they count for neither: workflows import their activities' types (the Temporal pattern), and
 * whoever signals a workflow names the types of its messages, which are the workflow's.
 *
 * src/telegram-emulator stands in for Telegram in development and tests (test/ is not checked
 * here): in src/, only what starts processes (entrypoints, app, runtime) and the simulator, which
 * serves one, may load it; others may name its types.
 */

/** Top to bottom; each entry is the folders (or root files) of one layer, as a path pattern. */
const layers = [
  ['entrypoints', '^src/entrypoints/'],
  ['app', '^src/app/'],
  ['processes', '^src/(runtime|workers|api|ingress|simulator|studio)/'],
  // The HTTP kit and the execution views, shared by the API, the ingress, the simulator and workers.
  ['process kits', '^src/(http|executions)/'],
  ['temporal code', '^src/(workflows|activities)/'],
  ['domain', '^src/(bots|generation|credits|telegram|http-node)/'],
  ['foundations', '^src/(flow|db|temporal)/'],
  ['shared', '^src/[^/]+\\.ts$'],
];

const layerRules = layers.slice(1).map(([name, path], index) => ({
  name: `layer-${name.replace(/ /g, '-')}`,
  comment: `${name} may not import a higher layer (${layers
    .slice(0, index + 1)
    .map(([higher]) => higher)
    .join(', ')})`,
  severity: 'error',
  from: { path },
  to: {
    path: layers
      .slice(0, index + 1)
      .map(([, higher]) => `(${higher})`)
      .join('|'),
    dependencyTypesNot: ['type-only'],
  },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-module-cycle',
      comment: 'A module cycle: one of them reaches the other at load time before it is initialised.',
      severity: 'error',
      from: {},
      to: { circular: true, dependencyTypesNot: ['type-only'], viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    // Cycles between folders (through different modules) are checked by scripts/deps.mjs.
    ...layerRules,
    {
      name: 'every-folder-in-a-layer',
      comment: 'A folder of src/ that is in no layer is checked by no layer rule: place it in `layers` above.',
      severity: 'error',
      from: { path: '^src/', pathNot: [...layers.map(([, path]) => path), '^src/telegram-emulator/'] },
      to: {},
    },
    {
      name: 'telegram-emulator-is-a-stand-in',
      comment: 'The Telegram emulator replaces Telegram in development and tests; only process composition and the simulator may use it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(entrypoints|app|runtime|simulator|telegram-emulator)/' },
      to: { path: '^src/telegram-emulator/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
};
// For scripts/deps.mjs, which checks folder cycles with the same exclusion (not enumerable: the
// configuration's schema admits no other keys).
