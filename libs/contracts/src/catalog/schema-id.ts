/**
 * Schema identity. Every schema's `$id` is `urn:passerelle:schema:<subject parts>:v<N>`:
 * `urn:passerelle:schema:case:CaseOpened:v1` is version 1 of subject `case.CaseOpened`,
 * whose events carry CloudEvents `type` `passerelle.case.CaseOpened.v1`.
 */
export interface SchemaRef {
  /** e.g. `case.CaseOpened`, `envelope`, `common` */
  subject: string;
  version: number;
}

const ID = /^urn:passerelle:schema:([a-z][a-z-]*(?::[A-Za-z][A-Za-z-]*)*):v([1-9][0-9]*)$/;
const TYPE = /^passerelle\.([a-z][a-z-]*)\.([A-Z][A-Za-z]*)\.v([1-9][0-9]*)$/;

export function parseSchemaId(id: string): SchemaRef | null {
  const match = ID.exec(id);
  return match ? { subject: match[1]!.replaceAll(':', '.'), version: Number(match[2]) } : null;
}

export function schemaIdOf(ref: SchemaRef): string {
  return `urn:passerelle:schema:${ref.subject.replaceAll('.', ':')}:v${ref.version}`;
}

/** `passerelle.case.CaseOpened.v1` → subject `case.CaseOpened`, version 1 */
export function parseEventType(type: string): SchemaRef | null {
  const match = TYPE.exec(type);
  return match ? { subject: `${match[1]}.${match[2]}`, version: Number(match[3]) } : null;
}

export function eventTypeOf(ref: SchemaRef): string {
  return `passerelle.${ref.subject}.v${ref.version}`;
}
