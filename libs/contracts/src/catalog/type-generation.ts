import { compile } from 'json-schema-to-typescript';
import type { CatalogEntry } from './schema-catalog';
import { eventTypeOf } from './schema-id';

const BANNER = '// Generated from schemas/ by `npm run generate`; do not edit. A spec fails when it drifts.\n';

/**
 * TypeScript types for every event's data, generated from the catalog so they cannot drift
 * from the schemas: one interface per type and version, and a map from CloudEvents `type`.
 */
export async function generateEventTypes(entries: readonly CatalogEntry[]): Promise<string> {
  const definitions = new Map<string, Record<string, unknown>>();
  for (const entry of entries) {
    if (entry.subject.includes('.')) continue;
    for (const [name, def] of Object.entries((entry.schema.$defs ?? {}) as Record<string, Record<string, unknown>>)) {
      definitions.set(`${entry.id}#/$defs/${name}`, def);
    }
  }
  const events = entries.filter((e) => e.subject.includes('.')).sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  const parts: string[] = [BANNER];
  for (const entry of events) {
    const name = interfaceName(entry);
    const schema = { ...(inline(entry.schema, definitions) as Record<string, unknown>), title: name };
    delete schema.$id;
    delete schema.$schema;
    parts.push(await compile(schema, name, { bannerComment: '', additionalProperties: false, format: true }));
  }
  parts.push('/** The data type of each event type, by CloudEvents `type`. */\nexport interface CaseEventDataByType {');
  for (const entry of events) parts.push(`  '${eventTypeOf(entry)}': ${interfaceName(entry)};`);
  parts.push('}\n\nexport type CaseEventType = keyof CaseEventDataByType;\n');
  return parts.join('\n');
}

function interfaceName(entry: CatalogEntry): string {
  return `${entry.subject.split('.').pop()}V${entry.version}`;
}

/** Replaces references to shared definitions with the definitions themselves. */
function inline(node: unknown, definitions: Map<string, Record<string, unknown>>): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, definitions));
  if (typeof node !== 'object' || node === null) return node;
  const { $ref, ...rest } = node as Record<string, unknown>;
  const base = typeof $ref === 'string' && definitions.has($ref) ? inline(definitions.get($ref), definitions) : $ref === undefined ? {} : { $ref };
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(rest)) out[key] = key.startsWith('x-') ? value : inline(value, definitions);
  return out;
}
