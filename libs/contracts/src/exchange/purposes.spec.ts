import { parsePurposeHeader } from './purposes';

describe('a read’s stated purpose (Passerelle-Purpose)', () => {
  it('reads a catalogue code, alone or with a note; absent or blank means service-delivery', () => {
    expect(parsePurposeHeader('eligibility-check')).toEqual({ ok: true, stated: { purpose: 'eligibility-check' } });
    expect(parsePurposeHeader(' audit ;  yearly review ')).toEqual({ ok: true, stated: { purpose: 'audit', note: 'yearly review' } });
    expect(parsePurposeHeader(undefined)).toEqual({ ok: true, stated: { purpose: 'service-delivery' } });
    expect(parsePurposeHeader('  ')).toEqual({ ok: true, stated: { purpose: 'service-delivery' } });
  });

  it('refuses anything outside the catalogue with ACCESS.UNKNOWN_PURPOSE naming the catalogue (a free text too)', () => {
    expect(parsePurposeHeader('marketing')).toEqual({ ok: false, code: 'ACCESS.UNKNOWN_PURPOSE', message: expect.stringContaining('"marketing" is not in the federation\'s catalogue (eligibility-check, service-delivery, audit)') });
    expect(parsePurposeHeader('licence photo request')).toMatchObject({ ok: false, code: 'ACCESS.UNKNOWN_PURPOSE' });
    expect(parsePurposeHeader('__proto__')).toMatchObject({ ok: false });
  });
});
