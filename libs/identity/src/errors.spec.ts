import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { IDENTITY_ERROR_CODES, IDENTITY_ERRORS, IdentityError } from './errors';

describe('IdentityError', () => {
  it('carries the status and retriability of its code', () => {
    expect(new IdentityError('TOKEN.ROLE_MISSING', 'x')).toMatchObject({ name: 'IdentityError', code: 'TOKEN.ROLE_MISSING', status: 403, retriable: false });
    expect(new IdentityError('TOKEN.EXPIRED', 'x')).toMatchObject({ status: 401, retriable: false });
  });

  it('only ROLE_MISSING is 403, only an unreachable JWKS is retriable', () => {
    expect(IDENTITY_ERROR_CODES.filter((code) => IDENTITY_ERRORS[code].status === 403)).toEqual(['TOKEN.ROLE_MISSING']);
    expect(IDENTITY_ERROR_CODES.filter((code) => IDENTITY_ERRORS[code].retriable)).toEqual(['TOKEN.KEY_SET_UNAVAILABLE']);
  });

  it('every code is documented in docs/identity.md with its status', () => {
    const doc = readFileSync(join(__dirname, '../../../docs/identity.md'), 'utf8');
    const missing = IDENTITY_ERROR_CODES.filter((code) => !new RegExp(`\\| \`${code.replace('.', '\\.')}\` \\| ${IDENTITY_ERRORS[code].status} \\|`).test(doc));
    expect(missing).toEqual([]);
  });
});
