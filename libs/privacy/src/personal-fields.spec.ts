import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERASED, isSealed, newDataKey } from './field-cipher';
import { openFields, personalFields, sealFields, UNREADABLE } from './personal-fields';

const schema = (path: string) => JSON.parse(readFileSync(join(__dirname, '../../../schemas/case', path), 'utf8')) as unknown;

describe('personal fields, as the schemas classify them', () => {
  it('finds the properties marked x-classification personal, and only those', () => {
    expect(personalFields(schema('address-changed/v2.schema.json'))).toEqual(['/data/address']);
    expect(personalFields(schema('address-changed/v1.schema.json'))).toEqual(['/data/address']);
    expect(personalFields(schema('case-opened/v1.schema.json'))).toEqual([]);
    expect(personalFields({ properties: { a: { properties: { 'b/c': { 'x-classification': 'personal' } } } } })).toEqual(['/data/a/b~1c']);
  });

  it('seals the present personal fields, leaves the rest, and opens them again — or marks them erased', () => {
    const envelope = { id: 'evt-1', type: 'passerelle.case.AddressChanged.v2', data: { citizen: 'cit-1', address: { line1: '12 rue des Lilas' }, effectiveFrom: '2026-12-01' } };
    const key = newDataKey();
    const { envelope: sealed, sealed: pointers } = sealFields(envelope, 'demo.health/evt-1', ['/data/address', '/data/missing'], key);
    expect(pointers).toEqual(['/data/address']);
    expect(isSealed(sealed.data.address)).toBe(true);
    expect(sealed.data.citizen).toBe('cit-1');
    expect(envelope.data.address).toEqual({ line1: '12 rue des Lilas' });
    expect(openFields(sealed, 'demo.health/evt-1', pointers, key)).toEqual(envelope);
    expect(openFields(sealed, 'demo.health/evt-1', pointers, 'erased').data).toEqual({ citizen: 'cit-1', address: ERASED, effectiveFrom: '2026-12-01' });
  });

  it('an altered ciphertext fails to open (PRIVACY.CIPHERTEXT_INVALID), or reads as unreadable for an auditor', () => {
    const key = newDataKey();
    const { envelope: sealed, sealed: pointers } = sealFields({ data: { address: 'Rue X' } }, 'a/1', ['/data/address'], key);
    const moved = { data: { address: sealFields({ data: { address: 'Rue Y' } }, 'a/2', ['/data/address'], key).envelope.data.address } };
    expect(() => openFields(moved, 'a/1', pointers, key)).toThrow(expect.objectContaining({ code: 'PRIVACY.CIPHERTEXT_INVALID' }));
    expect(openFields(moved, 'a/1', pointers, key, 'mark').data.address).toEqual(UNREADABLE);
    expect(openFields(sealed, 'a/1', pointers, key, 'mark').data.address).toBe('Rue X');
  });
});
