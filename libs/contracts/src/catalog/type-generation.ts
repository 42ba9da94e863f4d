import { compile } from 'json-schema-to-typescript';
import { inlineCatalogRefs } from './inline-refs';
import type { CatalogEntry } from './schema-catalog';
import { eventTypeOf } from './schema-id';

const BANNER = '// Generated from schemas/ by `npm run generate`; do not edit. A spec fails when it drifts.\n';

/**
 * TypeScript types for every event's data, generated from the catalog so they cannot drift
 * from the schemas: one interface per type and version, and a map from CloudEvents `type`.
 */
export async function generateEventTypes(entries: readonly CatalogEntry[]): Promise<string> {
  const events = entries.filter((e) => e.subject.includes('.')).sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  const parts: string[] = [BANNER];
  for (const entry of events) {
    const name = interfaceName(entry);
    const schema: Record<string, unknown> = { ...inlineCatalogRefs(entry.schema, entries), title: name };
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
