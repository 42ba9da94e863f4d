/** enum and const: the reader accepts listed values only, compared as JSON (key order aside). */
import { type Kit, type WriterView } from '../kit';
import { type Json, instanceTypeOf, jsonEqual, show } from '../json';
import { type Problem, because, describeType, either, keywordChange, mayWrite } from '../reasons';
import { type SchemaNode, keyword, keywordPath } from '../schema-document';
import { listedValues } from '../writer';

export function checkEnumKeywords(view: WriterView, reader: SchemaNode, kit: Kit): Problem[] {
  return (['enum', 'const'] as const).flatMap((name) => listProblems(view, reader, kit, name));
}

function listProblems(view: WriterView, reader: SchemaNode, kit: Kit, name: 'enum' | 'const'): Problem[] {
  const allowed = allowedBy(reader, name);
  if (allowed === undefined) return [];
  const path = keywordPath(reader, name);
  const stated = name === 'const' ? allowed[0] : allowed;
  const p = kit.perspective;

  if (view.values === undefined) {
    const sameType = allowed.filter((value) => instanceTypeOf(value) === view.type);
    const what = sameType.length === 0 ? `be ${describeType(view.type)}` : `be ${describeType(view.type)} other than ${either(sameType.map((value) => show(value)))}`;
    return [{ path, reason: because(keywordChange(p, name, undefined, stated), mayWrite(p, what)) }];
  }

  const missing = view.values.filter((value) => !allowed.some((other) => jsonEqual(value, other)));
  if (missing.length === 0) return [];
  const listed = either(missing.map((value) => show(value)));
  const explicit = view.atoms.some((atom) => listedValues(atom) !== undefined);
  // null and booleans have finitely many values even without an enum: then say the list is new.
  const change = !explicit
    ? keywordChange(p, name, undefined, stated)
    : name === 'const' && view.values.length === 1
      ? keywordChange(p, 'const', view.values[0], stated)
      : p.writer === 'old'
        ? `${listed} removed from ${name}`
        : `${listed} added to ${name}`;
  return [{ path, reason: because(change, mayWrite(p, `contain ${listed}`)) }];
}

function allowedBy(node: SchemaNode, name: 'enum' | 'const'): Json[] | undefined {
  if (name === 'const') return typeof node.schema === 'object' && Object.hasOwn(node.schema, 'const') ? [keyword(node, 'const') as Json] : undefined;
  const list = keyword(node, 'enum');
  return Array.isArray(list) ? (list as Json[]) : undefined;
}
