import type { CatalogEntry } from './schema-catalog';

/**
 * Replaces `$ref`s to other catalog documents (e.g. `urn:passerelle:schema:common:v1#/$defs/caseId`)
 * with the definitions themselves, recursively, so a schema stands alone: the compatibility
 * checker and the type generator never have to (and never may) resolve a reference outside the
 * document. References the catalog cannot resolve are left for the caller to report.
 */
export function inlineCatalogRefs<T>(schema: T, entries: readonly CatalogEntry[]): T {
  const documents = new Map(entries.map((e) => [e.id, e.schema as unknown]));
  const resolve = (ref: string): unknown => {
    const [id, pointer = ''] = ref.split('#');
    let node = documents.get(id!);
    for (const part of pointer.split('/').filter(Boolean)) {
      if (typeof node !== 'object' || node === null) return undefined;
      node = (node as Record<string, unknown>)[part.replaceAll('~1', '/').replaceAll('~0', '~')];
    }
    return node;
  };
  const walk = (node: unknown, depth: number): unknown => {
    if (depth > 64) throw new RangeError('circular $ref between catalog documents');
    if (Array.isArray(node)) return node.map((n) => walk(n, depth));
    if (typeof node !== 'object' || node === null) return node;
    const { $ref, ...rest } = node as Record<string, unknown>;
    const target = typeof $ref === 'string' && !$ref.startsWith('#') ? resolve($ref) : undefined;
    const out: Record<string, unknown> = target && typeof target === 'object' ? { ...(walk(target, depth + 1) as Record<string, unknown>) } : $ref === undefined ? {} : { $ref };
    for (const [key, value] of Object.entries(rest)) out[key] = key.startsWith('x-') ? value : walk(value, depth);
    return out;
  };
  return walk(schema, 0) as T;
}
