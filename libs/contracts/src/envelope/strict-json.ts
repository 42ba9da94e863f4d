import { visit } from 'jsonc-parser';

/** How deep a case event may nest; real envelopes stay far below it. */
export const MAX_JSON_DEPTH = 32;

/**
 * JSON.parse, refusing what it would silently accept: a key given twice in one object (two
 * parsers could read two different events from the same bytes, and a signature would cover
 * only one of them) and nesting deeper than MAX_JSON_DEPTH. Strict JSON only: no comments,
 * no trailing commas.
 */
export function parseStrictJson(text: string): { value: unknown } | { error: string } {
  // Depth first, in one flat pass: the parsers below recurse, and a hostile nesting would
  // exhaust the stack before any limit of theirs could apply.
  if (nestingDepth(text) > MAX_JSON_DEPTH) return { error: `it nests deeper than ${MAX_JSON_DEPTH} levels` };
  const keys: Array<Set<string> | null> = [];
  let problem: string | undefined;
  try {
    visit(
      text,
      {
        onObjectBegin: () => {
          keys.push(new Set());
          if (keys.length > MAX_JSON_DEPTH) problem ??= `it nests deeper than ${MAX_JSON_DEPTH} levels`;
          return !problem;
        },
        onObjectEnd: () => void keys.pop(),
        onArrayBegin: () => {
          keys.push(null);
          if (keys.length > MAX_JSON_DEPTH) problem ??= `it nests deeper than ${MAX_JSON_DEPTH} levels`;
          return !problem;
        },
        onArrayEnd: () => void keys.pop(),
        onObjectProperty: (property, _offset, _length, _line, column) => {
          const seen = keys.at(-1);
          if (!seen) return;
          if (seen.has(property)) problem ??= `the key ${JSON.stringify(property.slice(0, 60))} appears twice in one object (column ${column + 1})`;
          seen.add(property);
        },
      },
      { disallowComments: true, allowTrailingComma: false },
    );
  } catch (err) {
    return { error: `it cannot be read: ${(err as Error).message}` };
  }
  if (problem) return { error: problem };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** The deepest nesting of objects and arrays, strings skipped; malformed text is the parsers' to refuse. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
