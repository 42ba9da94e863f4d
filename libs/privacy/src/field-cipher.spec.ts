import { newDataKey, openValue, sealValue, unwrapKey, wrapKey } from './field-cipher';
import { type PrivacyError } from './privacy.errors';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as PrivacyError).code;
  }
  return 'no error';
};

describe('sealing one personal value (AES-256-GCM)', () => {
  const key = newDataKey();
  const aad = 'demo.health/evt-1\n/data/address';

  it('opens to the very value sealed, and the ciphertext does not hold it', () => {
    const value = { line1: '12 rue des Lilas', postcode: '75011', city: 'Paris', country: 'FR' };
    const sealed = sealValue(key, value, aad);
    expect(JSON.stringify(sealed)).not.toContain('Lilas');
    expect(openValue(key, sealed, aad)).toEqual(value);
  });

  it('uses a fresh IV each time: the same value sealed twice gives two ciphertexts', () => {
    expect(sealValue(key, 'x', aad).$sealed).not.toBe(sealValue(key, 'x', aad).$sealed);
  });

  it('refuses a tampered ciphertext, another key, or the value moved to another event or field', () => {
    const sealed = sealValue(key, '12 rue des Lilas', aad);
    const [iv, ct, tag] = sealed.$sealed.split('.');
    const flipped = Buffer.from(ct!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(code(() => openValue(key, { $sealed: `${iv}.${flipped.toString('base64url')}.${tag}` }, aad))).toBe('PRIVACY.CIPHERTEXT_INVALID');
    expect(code(() => openValue(newDataKey(), sealed, aad))).toBe('PRIVACY.CIPHERTEXT_INVALID');
    expect(code(() => openValue(key, sealed, 'demo.health/evt-2\n/data/address'))).toBe('PRIVACY.CIPHERTEXT_INVALID');
    expect(code(() => openValue(key, { $sealed: 'not-three-parts' }, aad))).toBe('PRIVACY.CIPHERTEXT_INVALID');
  });
});

describe('wrapping a data key under the key-encryption key', () => {
  it('unwraps with the same KEK and context only', () => {
    const kek = newDataKey();
    const dataKey = newDataKey();
    const wrapped = wrapKey(kek, dataKey, 'citizen-1');
    expect(unwrapKey(kek, wrapped, 'citizen-1').equals(dataKey)).toBe(true);
    expect(code(() => unwrapKey(newDataKey(), wrapped, 'citizen-1'))).toBe('PRIVACY.KEK_WRONG');
    expect(code(() => unwrapKey(kek, wrapped, 'citizen-2'))).toBe('PRIVACY.KEK_WRONG');
    expect(code(() => unwrapKey(kek, wrapped.subarray(1), 'citizen-1'))).toBe('PRIVACY.KEK_WRONG');
  });
});
