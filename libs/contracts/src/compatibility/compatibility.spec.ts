import Ajv2020 from 'ajv/dist/2020';
import { COMPATIBILITY_MODES, type JsonSchema, checkCompatibility, readableBy } from './compatibility';

/** Old data read with the new schema: the problems a backward check reports. */
const oldDataUnder = (old: JsonSchema, candidate: JsonSchema) => readableBy(old, candidate);

describe('readableBy', () => {
  describe('annotations and boolean schemas', () => {
    it('ignores annotation-only keywords', () => {
      // Given two schemas that differ only in identifiers, titles, defaults and comments
      const old: JsonSchema = { $schema: 'http://json-schema.org/draft-04/schema#', id: 'urn:a', title: 'A', description: 'x', default: 'a', examples: ['a'], $comment: 'c', type: 'string' };
      const candidate: JsonSchema = { $schema: 'http://json-schema.org/draft-07/schema#', $id: 'urn:b', title: 'B', default: 'b', type: 'string' };

      // When / Then: each reads the other's data
      expect(readableBy(old, candidate)).toEqual([]);
      expect(readableBy(candidate, old)).toEqual([]);
    });

    it('lets `true` read anything and anything read `false`', () => {
      expect(readableBy({ type: 'string', maxLength: 3 }, true)).toEqual([]);
      expect(readableBy(false, { type: 'string', maxLength: 3 })).toEqual([]);
    });

    it('reports a subschema that became `false` where it is', () => {
      // Given a property that the new schema forbids
      const old: JsonSchema = { type: 'object', properties: { street: { type: 'string' } } };
      const candidate: JsonSchema = { type: 'object', properties: { street: false } };

      // When old data is read with the new schema
      const problems = oldDataUnder(old, candidate);

      // Then the forbidding subschema is named
      expect(problems).toEqual([{ path: '/properties/street', reason: 'property "street" is no longer allowed: data written with the old schema may contain it' }]);
    });

    it('reports a root that became `false` at the root pointer', () => {
      expect(oldDataUnder({ type: 'string' }, false)).toEqual([{ path: '', reason: 'this subschema became false (accepts nothing): data written with the old schema may have a value here' }]);
    });
  });

  describe('type', () => {
    it('reports the types the new schema stops accepting', () => {
      expect(oldDataUnder({ type: ['string', 'null'] }, { type: 'string' })).toEqual([{ path: '/type', reason: 'type narrowed to "string": data written with the old schema may be null' }]);
    });

    it('reads integers as numbers, not the other way round', () => {
      expect(oldDataUnder({ type: 'integer' }, { type: 'number' })).toEqual([]);
      expect(oldDataUnder({ type: 'number' }, { type: 'integer' })).toEqual([{ path: '/type', reason: 'type narrowed to "integer": data written with the old schema may be a non-integer number' }]);
    });

    it('knows a whole multipleOf writes integers only', () => {
      expect(oldDataUnder({ type: 'number', multipleOf: 2 }, { type: 'integer' })).toEqual([]);
    });
  });

  describe('enum and const', () => {
    it('accepts added values and reports removed ones', () => {
      expect(oldDataUnder({ enum: ['red', 'green'] }, { enum: ['red', 'green', 'blue'] })).toEqual([]);
      expect(oldDataUnder({ enum: ['red', 'green', 'blue'] }, { enum: ['red', 'green'] })).toEqual([{ path: '/enum', reason: '"blue" removed from enum: data written with the old schema may contain "blue"' }]);
    });

    it('treats a const as a one-value enum', () => {
      expect(readableBy({ const: 'a' }, { enum: ['a'] })).toEqual([]);
      expect(readableBy({ enum: ['a'] }, { const: 'a' })).toEqual([]);
    });

    it('reports an enum put on a free string', () => {
      expect(oldDataUnder({ type: 'string' }, { type: 'string', enum: ['a', 'b'] })).toEqual([{ path: '/enum', reason: 'enum ["a","b"] added: data written with the old schema may be a string other than "a" or "b"' }]);
    });

    it('checks known values against the other keywords, naming the one that fails', () => {
      expect(oldDataUnder({ enum: ['ab', 'ac'] }, { type: 'string', pattern: '^a' })).toEqual([]);
      expect(oldDataUnder({ enum: ['ab', 'bc'] }, { type: 'string', pattern: '^a' })).toEqual([{ path: '/pattern', reason: 'pattern "^a" added: data written with the old schema may contain "bc"' }]);
    });

    it('checks a constant object property by property', () => {
      const candidate: JsonSchema = { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] };

      expect(oldDataUnder({ const: { count: 2 } }, candidate)).toEqual([]);
      expect(oldDataUnder({ const: { count: 2.5 } }, candidate)).toEqual([{ path: '/properties/count/type', reason: 'type narrowed to "integer": data written with the old schema may be a non-integer number' }]);
    });
  });

  describe('strings', () => {
    it('reports a lowered maxLength at the nested keyword', () => {
      // Given a postal code allowed 10 characters, then 6
      const address = (maxLength: number): JsonSchema => ({ type: 'object', properties: { address: { type: 'object', properties: { postalCode: { type: 'string', maxLength } } } } });

      // When old data is read with the new schema
      const problems = oldDataUnder(address(10), address(6));

      // Then the path and the sentence say what to fix
      expect(problems).toEqual([{ path: '/properties/address/properties/postalCode/maxLength', reason: 'maxLength lowered from 10 to 6: data written with the old schema may be longer than 6 characters' }]);
    });

    it('reports a raised minLength', () => {
      expect(oldDataUnder({ type: 'string', minLength: 1 }, { type: 'string', minLength: 3 })).toEqual([{ path: '/minLength', reason: 'minLength raised from 1 to 3: data written with the old schema may be shorter than 3 characters' }]);
    });

    it('counts lengths in code points, as JSON Schema does', () => {
      expect(oldDataUnder({ const: '😀😀' }, { type: 'string', maxLength: 2 })).toEqual([]);
    });

    it('accepts only an identical pattern', () => {
      expect(oldDataUnder({ type: 'string', pattern: '^[0-9]+$' }, { type: 'string', pattern: '^[0-9]+$' })).toEqual([]);
      // ^[0-9]{5}$ is narrower, but patterns are never compared for inclusion
      expect(oldDataUnder({ type: 'string', pattern: '^[0-9]+$' }, { type: 'string', pattern: '^[0-9]{5}$' })).toEqual([
        { path: '/pattern', reason: 'pattern changed from "^[0-9]+$" to "^[0-9]{5}$": data written with the old schema may not match it' },
      ]);
    });

    it('treats format and content keywords as assertions', () => {
      expect(oldDataUnder({ type: 'string', format: 'email' }, { type: 'string' })).toEqual([]);
      expect(oldDataUnder({ type: 'string' }, { type: 'string', format: 'email' })).toEqual([{ path: '/format', reason: 'format "email" added: data written with the old schema may contain strings that are not "email"' }]);
      expect(oldDataUnder({ type: 'string', contentEncoding: 'base64' }, { type: 'string', contentEncoding: 'base32' })).toEqual([
        { path: '/contentEncoding', reason: 'contentEncoding changed from "base64" to "base32": data written with the old schema may contain strings that are not "base32" content' },
      ]);
    });
  });

  describe('numbers', () => {
    it('reads draft-04 boolean and draft-06 numeric exclusive bounds alike', () => {
      const draft04: JsonSchema = { $schema: 'http://json-schema.org/draft-04/schema#', type: 'number', minimum: 10, exclusiveMinimum: true, maximum: 20, exclusiveMaximum: true };
      const draft07: JsonSchema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'number', exclusiveMinimum: 10, exclusiveMaximum: 20 };

      expect(readableBy(draft04, draft07)).toEqual([]);
      expect(readableBy(draft07, draft04)).toEqual([]);
    });

    it('points at exclusiveMinimum when only the exclusivity changed', () => {
      expect(oldDataUnder({ type: 'number', minimum: 10 }, { type: 'number', exclusiveMinimum: 10 })).toEqual([{ path: '/exclusiveMinimum', reason: 'lower bound changed from ≥ 10 to > 10: data written with the old schema may be 10 or less' }]);
    });

    it('points at a draft-04 minimum when the limit itself moved', () => {
      const draft04 = (minimum: number): JsonSchema => ({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'number', minimum, exclusiveMinimum: true });

      expect(oldDataUnder(draft04(5), draft04(10))).toEqual([{ path: '/minimum', reason: 'minimum raised from 5 to 10: data written with the old schema may be 10 or less' }]);
    });

    it('reports a lowered maximum', () => {
      expect(oldDataUnder({ type: 'number', maximum: 100 }, { type: 'number', maximum: 50 })).toEqual([{ path: '/maximum', reason: 'maximum lowered from 100 to 50: data written with the old schema may be greater than 50' }]);
    });

    it('accepts a new multipleOf only when it divides the old one', () => {
      expect(oldDataUnder({ type: 'number', multipleOf: 10 }, { type: 'number', multipleOf: 5 })).toEqual([]);
      expect(oldDataUnder({ type: 'number', multipleOf: 0.3 }, { type: 'number', multipleOf: 0.1 })).toEqual([]);
      expect(oldDataUnder({ type: 'number', multipleOf: 7 }, { type: 'number', multipleOf: 13 })).toEqual([
        { path: '/multipleOf', reason: 'multipleOf changed from 7 to 13: data written with the old schema may be a multiple of 7 that is not a multiple of 13' },
      ]);
    });

    it('rounds exclusive bounds of integers', () => {
      expect(oldDataUnder({ type: 'integer', exclusiveMinimum: 9 }, { type: 'integer', minimum: 10 })).toEqual([]);
    });
  });

  describe('objects', () => {
    it('reports a newly required property', () => {
      expect(oldDataUnder({ type: 'object', required: ['street'] }, { type: 'object', required: ['street', 'city'] })).toEqual([{ path: '/required', reason: 'property "city" became required: data written with the old schema may omit it' }]);
    });

    it('reports closing additionalProperties, naming the allowed properties', () => {
      const old: JsonSchema = { type: 'object', properties: { a: { type: 'string' } } };
      const candidate: JsonSchema = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };

      expect(oldDataUnder(old, candidate)).toEqual([{ path: '/additionalProperties', reason: 'additional properties are no longer allowed: data written with the old schema may have properties other than "a"' }]);
    });

    it('checks each old property against a new additionalProperties schema', () => {
      // Given bar moved from properties to additionalProperties, with a new maximum
      const old: JsonSchema = { type: 'object', properties: { foo: { type: 'string' }, bar: { type: 'number' } }, additionalProperties: false };
      const candidate: JsonSchema = { type: 'object', properties: { foo: { type: 'string' } }, additionalProperties: { type: 'number', maximum: 42 } };

      // Then the report says which property hits which keyword
      expect(oldDataUnder(old, candidate)).toEqual([{ path: '/additionalProperties/maximum', reason: 'property "bar": maximum 42 added: data written with the old schema may be greater than 42' }]);
    });

    it('says when a property the new schema describes was free before', () => {
      expect(oldDataUnder({ type: 'object' }, { type: 'object', properties: { zip: { type: 'string' } } })).toEqual([
        { path: '/properties/zip/type', reason: 'property "zip" was not described before: type narrowed to "string": data written with the old schema may be null, a boolean, a number, an array or an object' },
      ]);
    });

    it('compares patternProperties by their pattern text', () => {
      const old: JsonSchema = { type: 'object', patternProperties: { '^S_': { type: 'string' } } };
      const candidate: JsonSchema = { type: 'object', patternProperties: { '^S_': { type: 'string' }, '^I_': { type: 'integer' } } };

      expect(oldDataUnder(old, candidate)).toEqual([{ path: '/patternProperties/^I_', reason: 'patternProperties "^I_" added: data written with the old schema may have properties matching "^I_" that do not fit its schema' }]);
    });

    it('checks propertyNames name by name when the old schema lists every property', () => {
      const closed = (names: string[]): JsonSchema => ({ type: 'object', properties: Object.fromEntries(names.map((name) => [name, {}])), additionalProperties: false });
      const candidate: JsonSchema = { type: 'object', propertyNames: { maxLength: 2 } };

      expect(oldDataUnder(closed(['ab', 'cd']), candidate)).toEqual([]);
      expect(oldDataUnder(closed(['abc']), candidate)).toEqual([{ path: '/propertyNames/maxLength', reason: 'property names: maxLength 2 added: data written with the old schema may be longer than 2 characters' }]);
    });

    it('reports a property that now brings another along', () => {
      const dependencies = (needed: string[]): JsonSchema => ({ type: 'object', dependencies: { street: needed } });

      expect(oldDataUnder(dependencies(['city', 'zip']), dependencies(['city']))).toEqual([]);
      expect(oldDataUnder(dependencies(['city']), dependencies(['city', 'zip']))).toEqual([{ path: '/dependencies/street', reason: 'dependencies of "street" ["zip"] added: data written with the old schema may have "street" without "zip"' }]);
    });

    it('checks a dependent schema knowing its property is present', () => {
      const old: JsonSchema = { type: 'object', properties: { city: { type: 'string' } } };
      const candidate: JsonSchema = { type: 'object', dependentSchemas: { address: { required: ['city'] } } };

      expect(oldDataUnder(old, candidate)).toEqual([{ path: '/dependentSchemas/address/required', reason: 'when "address" is present: property "city" became required: data written with the old schema may omit it' }]);
    });

    it('counts required properties towards minProperties', () => {
      expect(oldDataUnder({ type: 'object', required: ['a', 'b'] }, { type: 'object', minProperties: 2 })).toEqual([]);
    });
  });

  describe('arrays', () => {
    it('reports a tuple that stops accepting more items', () => {
      expect(oldDataUnder({ type: 'array', items: [{ type: 'string' }] }, { type: 'array', items: [{ type: 'string' }], additionalItems: false })).toEqual([
        { path: '/additionalItems', reason: 'arrays are now limited to 1 item: data written with the old schema may have more than 1 item' },
      ]);
    });

    it('reads prefixItems (2020-12) and items arrays (draft-07) as the same tuple', () => {
      const draft07: JsonSchema = { type: 'array', items: [{ type: 'string' }], additionalItems: false };
      const draft2020: JsonSchema = { type: 'array', prefixItems: [{ type: 'string' }], items: false };

      expect(readableBy(draft07, draft2020)).toEqual([]);
      expect(readableBy(draft2020, draft07)).toEqual([]);
    });

    it('names the item that falls under the new additionalItems', () => {
      const old: JsonSchema = { type: 'array', items: [{ type: 'string' }, { type: 'boolean' }], additionalItems: false };
      const candidate: JsonSchema = { type: 'array', items: [{ type: 'string' }], additionalItems: { type: 'number' } };

      expect(oldDataUnder(old, candidate)).toEqual([{ path: '/additionalItems/type', reason: 'item 1: type changed to "number": data written with the old schema may be a boolean' }]);
    });

    it('reports uniqueItems, minItems and maxItems', () => {
      expect(oldDataUnder({ type: 'array', minItems: 1 }, { type: 'array', minItems: 2, maxItems: 5, uniqueItems: true })).toEqual([
        { path: '/minItems', reason: 'minItems raised from 1 to 2: data written with the old schema may have fewer than 2 items' },
        { path: '/maxItems', reason: 'maxItems 5 added: data written with the old schema may have more than 5 items' },
        { path: '/uniqueItems', reason: 'uniqueItems true added: data written with the old schema may repeat an item' },
      ]);
    });

    it('accepts a looser contains and reports a new one', () => {
      expect(oldDataUnder({ type: 'array', contains: { type: 'number', minimum: 10 } }, { type: 'array', contains: { type: 'number', minimum: 5 } })).toEqual([]);
      expect(oldDataUnder({ type: 'array' }, { type: 'array', contains: { type: 'number' } })).toEqual([{ path: '/contains', reason: 'contains {"type":"number"} added: data written with the old schema may have no item matching it' }]);
    });
  });

  describe('combinators', () => {
    it('combines allOf on the old side', () => {
      expect(oldDataUnder({ allOf: [{ type: 'string' }, { maxLength: 5 }] }, { type: 'string', maxLength: 10 })).toEqual([]);
    });

    it('requires every anyOf branch of the old schema to be readable', () => {
      // Each branch is checked on its own: the number branch changes type altogether
      expect(oldDataUnder({ anyOf: [{ type: 'string' }, { type: 'number' }] }, { type: 'string' })).toEqual([{ path: '/type', reason: 'type changed to "string": data written with the old schema may be a number' }]);
    });

    it('lets each type find its own anyOf branch in the new schema', () => {
      expect(oldDataUnder({ type: ['string', 'null'] }, { anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual([]);
    });

    it('reports the only anyOf branch that could take the data', () => {
      expect(oldDataUnder({ type: 'string', maxLength: 10 }, { anyOf: [{ type: 'string', maxLength: 5 }, { type: 'null' }] })).toEqual([
        { path: '/anyOf/0/maxLength', reason: 'maxLength lowered from 10 to 5: data written with the old schema may be longer than 5 characters' },
      ]);
    });

    it('accepts the same oneOf branches in another order', () => {
      expect(oldDataUnder({ oneOf: [{ type: 'string' }, { maxLength: 5 }] }, { oneOf: [{ maxLength: 5 }, { type: 'string' }] })).toEqual([]);
    });

    it('accepts oneOf branches that cannot overlap', () => {
      expect(oldDataUnder({ type: 'string' }, { oneOf: [{ type: 'string' }, { type: 'number' }] })).toEqual([]);
    });

    it('reports a oneOf whose new branch overlaps an old one', () => {
      // "abc" matches both new branches, so the new schema rejects it
      expect(oldDataUnder({ oneOf: [{ type: 'string' }] }, { oneOf: [{ type: 'string' }, { maxLength: 5 }] })).toEqual([
        { path: '/oneOf', reason: 'data written with the old schema may match none, or more than one, of the oneOf branches (it fits /oneOf/0 but may also match /oneOf/1)' },
      ]);
    });

    it('reads `not` the other way round', () => {
      const old: JsonSchema = { not: { type: 'string', maxLength: 10 } };
      const candidate: JsonSchema = { not: { type: 'string', maxLength: 5 } };

      expect(oldDataUnder(old, candidate)).toEqual([]);
      expect(oldDataUnder(candidate, old)).toEqual([{ path: '/not', reason: 'the new schema excludes more through "not": data written with the old schema may match the subschema under "not"' }]);
    });

    it('checks then and else under their condition', () => {
      const conditional = (then: JsonSchema): JsonSchema => ({ type: 'object', properties: { kind: { enum: ['a', 'b'] } }, if: { properties: { kind: { const: 'a' } } }, then, else: {} });

      expect(oldDataUnder(conditional({ required: ['x', 'y'] }), conditional({ required: ['x'] }))).toEqual([]);
      expect(oldDataUnder(conditional({ required: ['x'] }), conditional({ required: ['x', 'y'] }))).toEqual([
        { path: '/then/required', reason: 'when "if" matches: property "y" became required: data written with the old schema may omit it' },
      ]);
    });
  });

  describe('$ref', () => {
    const address = (street: JsonSchema): JsonSchema => ({
      type: 'object',
      properties: { home: { $ref: '#/definitions/Address' }, work: { $ref: '#/$defs/Address' } },
      definitions: { Address: { type: 'object', properties: { street } } },
      $defs: { Address: { $ref: '#/definitions/Address' } },
    });

    it('resolves #/definitions and #/$defs, and reports where the definition is', () => {
      expect(oldDataUnder(address({ type: 'string' }), address({ type: 'string' }))).toEqual([]);
      expect(oldDataUnder(address({ type: 'string' }), address({ type: 'string', minLength: 5 }))).toEqual([
        { path: '/definitions/Address/properties/street/minLength', reason: 'minLength 5 added: data written with the old schema may be shorter than 5 characters' },
      ]);
    });

    it('compares recursive schemas', () => {
      const tree = (value: JsonSchema): JsonSchema => ({ $ref: '#/$defs/node', $defs: { node: { type: 'object', properties: { value, children: { type: 'array', items: { $ref: '#/$defs/node' } } } } } });

      expect(oldDataUnder(tree({ type: 'string' }), tree({ type: 'string' }))).toEqual([]);
      expect(oldDataUnder(tree({ type: 'string' }), tree({ type: 'string', maxLength: 3 }))).toEqual([{ path: '/$defs/node/properties/value/maxLength', reason: 'maxLength 3 added: data written with the old schema may be longer than 3 characters' }]);
    });

    it('reports a $ref loop that never reaches the data', () => {
      const loop: JsonSchema = { $ref: '#/$defs/a', $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } } };

      expect(oldDataUnder({ type: 'string' }, loop)).toEqual([{ path: '/$defs/a', reason: 'this subschema refers back to itself without going deeper into the data, so nothing can be proved about it' }]);
    });

    it('reports a $ref to another document by name, without fetching it', () => {
      const fetchSpy = jest.spyOn(globalThis, 'fetch');

      const problems = oldDataUnder({ type: 'string' }, { $ref: 'https://schemas.example.org/address.json' });

      expect(problems).toEqual([
        {
          path: '/$ref',
          reason: '$ref "https://schemas.example.org/address.json" cannot be resolved (it points outside this schema, and the checker never fetches other documents): nothing can be proved about what the new schema accepts here',
        },
      ]);
      expect(fetchSpy).not.toHaveBeenCalled();
      fetchSpy.mockRestore();
    });

    it('resolves another document bundled in as an embedded resource', () => {
      const bundled = (maxLength: number): JsonSchema => ({
        properties: { organization: { $ref: 'urn:example:common#/$defs/organizationId' } },
        $defs: { common: { $id: 'urn:example:common', $defs: { organizationId: { type: 'string', maxLength } } } },
      });

      expect(oldDataUnder(bundled(64), bundled(64))).toEqual([]);
      expect(oldDataUnder(bundled(64), bundled(32))).toEqual([{ path: '/$defs/common/$defs/organizationId/maxLength', reason: 'maxLength lowered from 64 to 32: data written with the old schema may be longer than 32 characters' }]);
    });

    it('ignores keywords beside $ref up to draft-07, and applies them from 2019-09', () => {
      const beside = ($schema: string): JsonSchema => ({ $schema, definitions: { any: {} }, $ref: '#/definitions/any', type: 'string' });

      expect(oldDataUnder(beside('http://json-schema.org/draft-07/schema#'), { type: 'string' })).toEqual([
        { path: '/type', reason: 'type narrowed to "string": data written with the old schema may be null, a boolean, a number, an array or an object' },
      ]);
      expect(oldDataUnder(beside('https://json-schema.org/draft/2020-12/schema'), { type: 'string' })).toEqual([]);
    });
  });

  it('reports keywords it does not model instead of guessing', () => {
    expect(oldDataUnder({ type: 'object' }, { $defs: { a: { $dynamicAnchor: 'a' } }, $dynamicRef: '#a' })).toEqual([
      { path: '/$dynamicRef', reason: '$dynamicRef is not supported by this checker, so it cannot prove that data written with the old schema passes it' },
    ]);
  });

  describe('dependentSchemas, unevaluatedProperties, prefixItems, unevaluatedItems', () => {
    // A real validator's view of sample instances: what the checker proves must hold there.
    const ajv = new Ajv2020({ strict: false });
    const validUnder = (schema: JsonSchema, instance: unknown) => ajv.validate(schema as object, instance);

    it('never calls a dependent schema’s type change compatible, in either direction', () => {
      const dependent = (type: string): JsonSchema => ({ type: 'object', properties: { kind: { type: 'string' } }, dependentSchemas: { kind: { properties: { code: { type } } } } });
      expect(checkCompatibility(dependent('number'), [dependent('string')], 'FULL')).toEqual({
        compatible: false,
        incompatibilities: [
          { path: '/dependentSchemas/kind/properties/code/type', reason: 'when "kind" is present: type changed to "number": data written with the old schema may be a string', direction: 'backward' },
          { path: '/dependentSchemas/kind/properties/code/type', reason: 'when "kind" is present: type changed from "string": data written with the new schema may be a number, which the old schema rejects', direction: 'forward' },
        ],
      });
      const draft07 = (type: string): JsonSchema => ({ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', dependencies: { kind: { properties: { code: { type } } } } });
      expect(checkCompatibility(draft07('number'), [draft07('string')], 'BACKWARD').compatible).toBe(false);
      // The instance that proves it:
      expect([validUnder(dependent('string'), { kind: 'a', code: 'x' }), validUnder(dependent('number'), { kind: 'a', code: 'x' })]).toEqual([true, false]);
    });

    it('reads unevaluatedProperties: false across allOf: adding an optional property is BACKWARD, not FORWARD', () => {
      const v1: JsonSchema = { type: 'object', allOf: [{ properties: { name: { type: 'string' } } }], unevaluatedProperties: false };
      const v2: JsonSchema = { type: 'object', allOf: [{ properties: { name: { type: 'string' } } }, { properties: { age: { type: 'integer' } } }], unevaluatedProperties: false };
      expect(checkCompatibility(v2, [v1], 'BACKWARD')).toEqual({ compatible: true, incompatibilities: [] });
      expect(checkCompatibility(v2, [v1], 'FORWARD')).toEqual({
        compatible: false,
        incompatibilities: [{ path: '/unevaluatedProperties', reason: 'property "age" was not allowed by the old schema: data written with the new schema may contain it, which the old schema rejects', direction: 'forward' }],
      });
      expect([validUnder(v1, { name: 'a', age: 3 }), validUnder(v2, { name: 'a', age: 3 })]).toEqual([false, true]);
    });

    it('does not take a writer’s unevaluatedProperties to cover a property a conditional branch may evaluate', () => {
      // `b` is evaluated (so allowed, with any value) whenever the anyOf branch holds, which it always does.
      const old: JsonSchema = { type: 'object', properties: { a: {} }, anyOf: [{ properties: { b: true } }], unevaluatedProperties: false };
      const candidate: JsonSchema = { type: 'object', properties: { a: {}, b: { type: 'string' } }, additionalProperties: false };
      expect(oldDataUnder(old, candidate)).toEqual([{ path: '/properties/b/type', reason: 'type narrowed to "string": data written with the old schema may be null, a boolean, a number, an array or an object' }]);
      expect([validUnder(old, { b: 5 }), validUnder(candidate, { b: 5 })]).toEqual([true, false]);
    });

    it('compares prefixItems position by position, and unevaluatedItems after the tuple', () => {
      const v1: JsonSchema = { type: 'array', prefixItems: [{ type: 'string' }], unevaluatedItems: false };
      const v2: JsonSchema = { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }], unevaluatedItems: false };
      expect(checkCompatibility(v2, [v1], 'BACKWARD')).toEqual({ compatible: true, incompatibilities: [] });
      expect(checkCompatibility(v2, [v1], 'FORWARD')).toEqual({
        compatible: false,
        incompatibilities: [{ path: '/unevaluatedItems', reason: 'the old schema limits arrays to 1 item: data written with the new schema may have more than 1 item, which the old schema rejects', direction: 'forward' }],
      });
      const widened: JsonSchema = { type: 'array', prefixItems: [{ type: ['string', 'null'] }], items: false };
      expect(checkCompatibility(widened, [{ type: 'array', prefixItems: [{ type: 'string' }], items: false }], 'BACKWARD').compatible).toBe(true);
    });

    it('applies unevaluatedItems after a tuple given through allOf', () => {
      const numbersAfterName: JsonSchema = { type: 'array', allOf: [{ prefixItems: [{ type: 'string' }] }], unevaluatedItems: { type: 'number' } };
      expect(oldDataUnder(numbersAfterName, numbersAfterName)).toEqual([]);
      expect(oldDataUnder({ type: 'array', prefixItems: [{ type: 'string' }], items: { type: 'integer' } }, numbersAfterName)).toEqual([]);
      expect(oldDataUnder({ type: 'array', prefixItems: [{ type: 'string' }], items: { type: ['number', 'string'] } }, numbersAfterName)).toEqual([
        { path: '/unevaluatedItems/type', reason: 'items from position 1 on: type narrowed to "number": data written with the old schema may be a string' },
      ]);
      expect(validUnder(numbersAfterName, ['a', 1, 2])).toBe(true);
      expect(validUnder(numbersAfterName, ['a', 'b'])).toBe(false);
    });
  });
});

describe('checkCompatibility', () => {
  const maxLength = (n: number): JsonSchema => ({ type: 'string', maxLength: n });
  // Oldest first: v1 allowed 4 characters, v2 allowed 10; the candidate allows 6.
  const previous = [maxLength(4), maxLength(10)];
  const lowered = { path: '/maxLength', reason: 'maxLength lowered from 10 to 6: data written with the old schema may be longer than 6 characters', direction: 'backward' };
  const raised = { path: '/maxLength', reason: 'maxLength raised from 4 to 6: data written with the new schema may be longer than 4 characters, which the old schema rejects', direction: 'forward' };

  it('knows the seven modes', () => {
    expect(COMPATIBILITY_MODES).toEqual(['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE']);
  });

  it('accepts anything under NONE, and any first version', () => {
    expect(checkCompatibility(false, previous, 'NONE')).toEqual({ compatible: true, incompatibilities: [] });
    expect(checkCompatibility(maxLength(6), [], 'FULL_TRANSITIVE')).toEqual({ compatible: true, incompatibilities: [] });
  });

  it('BACKWARD reads the latest version’s data with the candidate', () => {
    expect(checkCompatibility(maxLength(6), previous, 'BACKWARD')).toEqual({ compatible: false, incompatibilities: [lowered] });
  });

  it('FORWARD reads the candidate’s data with the latest version, still telling the change from old to new', () => {
    expect(checkCompatibility(maxLength(6), previous, 'FORWARD')).toEqual({ compatible: true, incompatibilities: [] });
    expect(checkCompatibility(maxLength(6), [maxLength(4)], 'FORWARD')).toEqual({ compatible: false, incompatibilities: [raised] });
  });

  it('FULL checks both directions against the latest version only', () => {
    expect(checkCompatibility(maxLength(6), previous, 'FULL')).toEqual({ compatible: false, incompatibilities: [lowered] });
  });

  it('*_TRANSITIVE checks every version and says which one', () => {
    expect(checkCompatibility(maxLength(6), previous, 'BACKWARD_TRANSITIVE').incompatibilities).toEqual([{ ...lowered, againstVersion: 2 }]);
    expect(checkCompatibility(maxLength(6), previous, 'FORWARD_TRANSITIVE').incompatibilities).toEqual([{ ...raised, againstVersion: 1 }]);
    expect(checkCompatibility(maxLength(6), previous, 'FULL_TRANSITIVE')).toEqual({
      compatible: false,
      incompatibilities: [
        { ...raised, againstVersion: 1 },
        { ...lowered, againstVersion: 2 },
      ],
    });
  });
});
