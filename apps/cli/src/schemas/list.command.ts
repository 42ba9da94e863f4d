import { eventTypeOf } from '@passerelle/contracts';
import { type Output } from '../cli-output';
import { HubClient } from '../hub-client';
import { localValidator } from './catalog-source';

interface SubjectRow {
  subject: string;
  versions: number[];
  category?: string;
  classification?: string;
  compatibility?: string;
}

/** `passerelle schemas list`: every event type with its versions, category and classification. */
export async function listCommand(options: { registry?: string; json?: boolean }, output: Output): Promise<number> {
  let rows: SubjectRow[];
  if (options.registry) {
    rows = (await new HubClient(options.registry).request<SubjectRow[]>('GET', '/subjects')).body;
  } else {
    const validator = await localValidator();
    const bySubject = new Map<string, SubjectRow>();
    for (const type of validator.eventTypes()) {
      const entry = validator.entryFor(type)!;
      const row = bySubject.get(entry.subject) ?? { subject: entry.subject, versions: [], category: entry.category, classification: entry.classification };
      row.versions.push(entry.version);
      bySubject.set(entry.subject, row);
    }
    rows = [...bySubject.values()];
  }
  rows = rows.filter((r) => r.subject.includes('.')).sort((a, b) => a.subject.localeCompare(b.subject));
  if (options.json) {
    output.out(JSON.stringify(rows, null, 2));
    return 0;
  }
  const width = Math.max(...rows.map((r) => eventTypeOf({ subject: r.subject, version: Math.max(...r.versions) }).length));
  output.out(`${'TYPE (latest)'.padEnd(width)}  VERSIONS  CATEGORY      CLASSIFICATION${options.registry ? '  MODE' : ''}`);
  for (const r of rows) {
    const latest = eventTypeOf({ subject: r.subject, version: Math.max(...r.versions) });
    output.out(`${latest.padEnd(width)}  ${r.versions.join(',').padEnd(8)}  ${(r.category ?? '').padEnd(12)}  ${(r.classification ?? '').padEnd(14)}${options.registry ? `  ${r.compatibility}` : ''}`.trimEnd());
  }
  return 0;
}
