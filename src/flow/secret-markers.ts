import { compileTemplate, referencedVariables } from './expression';

// How a flow secret travels from the chat workflow to the HTTP activity without its value: the
// workflow renders `{{ secret.NAME }}` as a marker carrying a nonce of that request, and the
// activity replaces each marker with the decrypted value just before sending. The nonce (random
// per request, from the workflow's deterministic generator) keeps user text that happens to look
// like a marker from pulling a secret into a request. The brackets survive json(…) unescaped.

/** The secret names the templates read (`secret.NAME`). */
export function secretNamesIn(templates: readonly string[]): string[] {
  const names = new Set<string>();
  for (const template of templates) {
    for (const ref of referencedVariables(compileTemplate(template)))
      if (ref.root === 'secret' && ref.path[0] !== undefined) names.add(ref.path[0]);
  }
  return [...names];
}

export function secretMarker(nonce: string, name: string): string {
  return `⟦secret:${nonce}:${name}⟧`;
}

/** Every marker of `nonce` in `text`, with the secret it stands for. */
export function secretMarkerPattern(nonce: string): RegExp {
  return new RegExp(`⟦secret:${nonce.replace(/[^A-Za-z0-9-]/g, '')}:([A-Za-z_][A-Za-z0-9_]{0,63})⟧`, 'g');
}
