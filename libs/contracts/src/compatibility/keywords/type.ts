/** The `type` keyword. `integer` is a number that must be whole (integer ⊂ number). */
import { type InstanceType, INSTANCE_TYPES } from '../json';
import { type SchemaNode, keyword } from '../schema-document';

export type DeclaredType = InstanceType | 'integer';

const DECLARABLE: ReadonlySet<string> = new Set<string>([...INSTANCE_TYPES, 'integer']);

/** The types a subschema names, or undefined when it has no (usable) `type`. */
export function declaredTypes(node: SchemaNode): ReadonlySet<DeclaredType> | undefined {
  const value = keyword(node, 'type');
  const names = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
  if (names === undefined) return undefined;
  return new Set(names.filter((name): name is DeclaredType => typeof name === 'string' && DECLARABLE.has(name)));
}

/** Whether some instance of `type` passes the subschema's `type` keyword. */
export function allowsType(node: SchemaNode, type: InstanceType): boolean {
  const declared = declaredTypes(node);
  if (declared === undefined) return true;
  return declared.has(type) || (type === 'number' && declared.has('integer'));
}

/** Whether the subschema accepts numbers only when they are whole. */
export function requiresInteger(node: SchemaNode): boolean {
  const declared = declaredTypes(node);
  return declared !== undefined && declared.has('integer') && !declared.has('number');
}
