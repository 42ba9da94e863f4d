/**
 * What a keyword family (keywords/*.ts) gets from the engine: a view of the writer at one
 * instance type, and a way to recurse into subschemas. Families never import the engine
 * (that would be an import cycle); the engine hands them this kit.
 */
import { type InstanceType, type Json } from './json';
import { type Perspective, type Problem } from './reasons';
import { type SchemaNode } from './schema-document';

/** The writer, seen at one instance type: every written instance satisfies all `atoms`. */
export interface WriterView {
  /** Subschemas with `$ref` and `allOf` opened and one branch of each disjunction chosen. */
  readonly atoms: readonly SchemaNode[];
  readonly type: InstanceType;
  /**
   * When the writer can only produce finitely many values of this type (enum, const, null,
   * true/false): those values, already filtered by the writer's own constraints.
   */
  readonly values: readonly Json[] | undefined;
}

export interface Scope {
  /** Instance types to consider; all six when omitted. */
  readonly types?: readonly InstanceType[];
  /**
   * True when the instance is part of the current one (a property value, an item, a property
   * name). Recursive schemas are proved by induction on this depth: meeting the same question
   * again deeper in the instance may assume it; meeting it at the same depth is a loop.
   */
  readonly child: boolean;
}

export interface Kit {
  readonly perspective: Perspective;
  /** Why some instance valid against every `writer` subschema may be invalid against `reader`. */
  check(writer: readonly SchemaNode[], reader: SchemaNode, scope: Scope): Problem[];
  /** True only when it is proved that no instance is valid against every `writer` subschema. */
  isEmpty(writer: readonly SchemaNode[], scope: Scope): boolean;
}
