import fs from 'node:fs';
import path from 'node:path';

const src = path.resolve(__dirname, '..', '..', 'src');

/** Source files under `dir`, recursively. */
function sources(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

/** The folders under src/ that `file` imports from. */
function importedFolders(file: string): string[] {
  return [...fs.readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)].map(
    (m) => path.relative(src, path.resolve(path.dirname(file), m[1]!)).split(path.sep)[0]!,
  );
}

describe('the HTTP kit is a layer below the API, the ingress and the simulator', () => {
  it.each([
    ['http', ['api', 'ingress', 'simulator', 'executions']],
    ['ingress', ['api']],
    ['simulator', ['api']],
    ['executions', ['api', 'ingress', 'simulator', 'http']],
  ])('src/%s imports nothing from %j', (folder, forbidden) => {
    const wrong = sources(path.join(src, folder)).flatMap((file) =>
      importedFolders(file)
        .filter((imported) => forbidden.includes(imported))
        .map((imported) => `${path.relative(src, file)} → ${imported}`),
    );
    expect(wrong).toEqual([]);
  });
});
