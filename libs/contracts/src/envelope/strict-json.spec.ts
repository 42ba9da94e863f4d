import { MAX_JSON_DEPTH, parseStrictJson } from './strict-json';

describe('parseStrictJson', () => {
  it('reads what JSON.parse reads, keys in distinct objects included', () => {
    expect(parseStrictJson('{"a":{"id":1},"b":{"id":2},"c":[{"id":3},{"id":4}]}')).toEqual({ value: { a: { id: 1 }, b: { id: 2 }, c: [{ id: 3 }, { id: 4 }] } });
  });

  it('refuses a key given twice in one object, at any depth, naming it', () => {
    expect(parseStrictJson('{"id":"a","id":"b"}')).toEqual({ error: expect.stringContaining('the key "id" appears twice in one object') });
    expect(parseStrictJson('{"data":{"x":1,"y":2,"x":3}}')).toEqual({ error: expect.stringContaining('"x" appears twice') });
  });

  it('refuses nesting deeper than the limit, and malformed text, without throwing', () => {
    expect(parseStrictJson(`${'['.repeat(MAX_JSON_DEPTH + 1)}${']'.repeat(MAX_JSON_DEPTH + 1)}`)).toEqual({ error: expect.stringContaining(`deeper than ${MAX_JSON_DEPTH}`) });
    expect(parseStrictJson('['.repeat(200_000))).toEqual({ error: expect.any(String) });
    expect(parseStrictJson('{"a":1,}')).toEqual({ error: expect.any(String) });
    expect(parseStrictJson('{"a":1} // comment')).toEqual({ error: expect.any(String) });
  });
});
