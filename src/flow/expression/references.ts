import type { Expr } from './ast';

/** A name read by an expression: `user.profile.city` is root `user`, path `profile.city`. */
export interface NameReference {
  readonly root: string;
  /** Static member names after the root (`a.b`, `a["b"]`); stops at the first computed index. */
  readonly path: readonly string[];
  /** True when the root is indexed with a computed key (`user[x]`), so the name is unknown. */
  readonly dynamic: boolean;
  readonly position: number;
}

/** Every root-based name read in `expr`, in source order, including inside indexes and calls. */
export function collectReferences(expr: Expr, out: NameReference[] = []): NameReference[] {
  switch (expr.kind) {
    case 'literal':
      break;
    case 'root':
      out.push({ root: expr.name, path: [], dynamic: false, position: expr.position });
      break;
    case 'member':
    case 'index':
      collectChain(expr, out);
      break;
    case 'list':
      expr.items.forEach((item) => collectReferences(item, out));
      break;
    case 'call':
      expr.args.forEach((arg) => collectReferences(arg, out));
      break;
    case 'not':
    case 'negate':
      collectReferences(expr.operand, out);
      break;
    case 'logical':
    case 'compare':
    case 'arithmetic':
      collectReferences(expr.left, out);
      collectReferences(expr.right, out);
      break;
  }
  return out;
}

// Walks `a.b[c].d` down to its base. If the base is a root, records one reference with the
// static path; index expressions along the way are visited for their own references.
function collectChain(expr: Expr, out: NameReference[]): void {
  const chain: Expr[] = [];
  let base = expr;
  while (base.kind === 'member' || base.kind === 'index') {
    chain.unshift(base);
    base = base.object;
  }
  if (base.kind === 'root') {
    const path: string[] = [];
    let dynamic = false;
    for (const link of chain) {
      const name =
        link.kind === 'member'
          ? link.name
          : link.kind === 'index' && link.index.kind === 'literal' && typeof link.index.value === 'string'
            ? link.index.value
            : undefined;
      if (name === undefined) {
        dynamic = path.length === 0;
        break;
      }
      path.push(name);
    }
    out.push({ root: base.name, path, dynamic, position: base.position });
  } else {
    collectReferences(base, out);
  }
  for (const link of chain) if (link.kind === 'index') collectReferences(link.index, out);
}
