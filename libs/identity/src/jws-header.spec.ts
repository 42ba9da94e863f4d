import { decodeJsonObject, HeaderInspector, inspectHeader, splitCompact, type HeaderRules } from './jws-header';

const segment = (header: unknown) => Buffer.from(JSON.stringify(header)).toString('base64url');
const RULES: HeaderRules = { algorithms: ['ES256', 'EdDSA'], typ: 'at+jwt', typOptional: false };

describe('splitCompact', () => {
  it('gives the three segments and the signing input, header.payload, that the signature covers', () => {
    expect(splitCompact('aGVhZA.cGF5.c2ln')).toEqual({ header: 'aGVhZA', payload: 'cGF5', signature: 'c2ln', signingInput: 'aGVhZA.cGF5' });
    expect(splitCompact('aGVhZA..c2ln')).toEqual({ header: 'aGVhZA', payload: '', signature: 'c2ln', signingInput: 'aGVhZA.' });
  });

  it('refuses anything but three base64url segments', () => {
    for (const value of ['a.b', 'a.b.c.d', 'a.b+c.d', 'a.b.c=', 'a .b.c', 'a.b.c\n', '']) expect(splitCompact(value)).toBeUndefined();
  });
});

describe('HeaderInspector', () => {
  const headers = [
    { alg: 'ES256', typ: 'at+jwt', kid: 'k-1' },
    { alg: 'EdDSA', typ: 'application/at+jwt', kid: 'k-2' },
    { alg: 'none', typ: 'at+jwt', kid: 'k-1' },
    { alg: 'ES256', typ: 'JWT', kid: 'k-1' },
    { alg: 'ES256', typ: 'at+jwt', kid: 'k-1', jku: 'https://attacker.example/jwks' },
    { alg: 'ES256', typ: 'at+jwt', kid: '../../etc/passwd' },
  ].map(segment);

  it('answers as inspectHeader does, the first time and every time after', () => {
    const inspector = new HeaderInspector(RULES);
    for (let round = 0; round < 3; round++) {
      for (const header of headers) expect(inspector.inspect(header)).toEqual(inspectHeader(decodeJsonObject(header)!, RULES));
    }
    expect(inspector.inspect(segment(['ES256']))).toBeUndefined();
    expect(inspector.inspect('not base64url JSON')).toBeUndefined();
  });

  it('remembers at most its bound of headers, and none that was refused', () => {
    const inspector = new HeaderInspector(RULES, 2);
    const inspect = (kid: string) => inspector.inspect(segment({ alg: 'ES256', typ: 'at+jwt', kid }));
    for (const kid of ['a', 'b', 'c', 'd', 'e']) expect(inspect(kid)).toEqual({ ok: true, alg: 'ES256', kid });
    expect(inspector.size).toBeLessThanOrEqual(2);
    const refusing = new HeaderInspector(RULES);
    for (const header of headers.slice(2)) expect(refusing.inspect(header)).toMatchObject({ ok: false });
    expect(refusing.size).toBe(0);
  });
});
