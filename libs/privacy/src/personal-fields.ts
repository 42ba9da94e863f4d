import { ERASED, isSealed, openValue, sealValue, type ErasedValue } from './field-cipher';
import { PrivacyError } from './privacy.errors';

/**
 * The JSON pointers (into the envelope: `/data/...`) of the fields an event schema classifies
 * as personal: properties marked `"x-classification": "personal"`, at any depth of nested
 * `properties`. The event type's own classification says how sensitive the event is as a
 * whole; only the marked fields are sealed and erasable.
 */
export function personalFields(dataSchema: unknown): string[] {
  const pointers: string[] = [];
  const walk = (schema: unknown, at: string) => {
    if (typeof schema !== 'object' || schema === null) return;
    const properties = (schema as { properties?: Record<string, unknown> }).properties;
    if (typeof properties !== 'object' || properties === null) return;
    for (const [name, property] of Object.entries(properties)) {
      const pointer = `${at}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if ((property as { 'x-classification'?: unknown } | null)?.['x-classification'] === 'personal') pointers.push(pointer);
      else walk(property, pointer);
    }
  };
  walk(dataSchema, '/data');
  return pointers;
}

/** The additional authenticated data of a sealed field: the stored event's id and the field's pointer. */
export const fieldAad = (eventId: string, pointer: string): string => `${eventId}\n${pointer}`;

/**
 * The envelope with the present personal fields sealed under `key`, and which were. Only
 * fields the envelope holds are sealed; the rest of the envelope is untouched (same object
 * when nothing is sealed).
 */
export function sealFields<T extends object>(envelope: T, eventId: string, pointers: readonly string[], key: Buffer): { envelope: T; sealed: string[] } {
  const sealed: string[] = [];
  let copy: T | undefined;
  for (const pointer of pointers) {
    const path = parsePointer(pointer);
    if (getAt(envelope, path) === undefined) continue;
    copy ??= structuredClone(envelope);
    setAt(copy, path, sealValue(key, getAt(envelope, path), fieldAad(eventId, pointer)));
    sealed.push(pointer);
  }
  return { envelope: copy ?? envelope, sealed };
}

/** What an auditor sees where a sealed field does not open with its citizen's live key: it was altered. */
export const UNREADABLE = Object.freeze({ $unreadable: true });

/**
 * The envelope with its sealed fields opened with `key`, or marked erased when the key is gone.
 * A field that does not open (altered ciphertext) throws PRIVACY.CIPHERTEXT_INVALID, or with
 * `mark` reads as `{ "$unreadable": true }` (for auditors, who report it rather than fail).
 */
export function openFields<T extends object>(envelope: T, eventId: string, pointers: readonly string[], key: Buffer | 'erased', unreadable: 'throw' | 'mark' = 'throw'): T {
  const copy = structuredClone(envelope);
  for (const pointer of pointers) {
    const path = parsePointer(pointer);
    const value = getAt(copy, path);
    if (!isSealed(value)) continue;
    if (key === 'erased') {
      setAt(copy, path, ERASED);
      continue;
    }
    try {
      setAt(copy, path, openValue(key, value, fieldAad(eventId, pointer)));
    } catch (err) {
      if (unreadable === 'throw' || !(err instanceof PrivacyError)) throw err;
      setAt(copy, path, UNREADABLE);
    }
  }
  return copy;
}

/** The envelope with these fields marked erased, whatever they hold: what is shown when the key is gone. */
export function eraseFields<T extends object>(envelope: T, pointers: readonly string[]): T {
  const copy = structuredClone(envelope);
  for (const pointer of pointers) {
    const path = parsePointer(pointer);
    if (getAt(copy, path) !== undefined) setAt(copy, path, ERASED as ErasedValue);
  }
  return copy;
}

function parsePointer(pointer: string): string[] {
  return pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function getAt(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const part of path) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

function setAt(value: unknown, path: readonly string[], replacement: unknown): void {
  let at = value as Record<string, unknown>;
  for (const part of path.slice(0, -1)) at = at[part] as Record<string, unknown>;
  at[path.at(-1)!] = replacement;
}
