import { checkTariff } from './tariff';

const entry = (over: Record<string, unknown> = {}) => ({ organization: 'qc.alpha', channel: 'web', unitCost: 2.5, validFrom: '2026-01-01', ...over });

describe('declaring a tariff', () => {
  it('accepts periods that follow each other, the last one open-ended', () => {
    const result = checkTariff({ currency: 'CAD', entries: [entry({ validTo: '2026-07-01' }), entry({ unitCost: 3, validFrom: '2026-07-01' }), entry({ channel: 'phone', unitCost: 0 })] });
    expect(result.ok).toBe(true);
  });

  it.each([
    ['a negative cost', { currency: 'CAD', entries: [entry({ unitCost: -1 })] }, 'entries[0].unitCost', /cannot be negative/],
    ['a gap between periods', { currency: 'CAD', entries: [entry({ validTo: '2026-03-01' }), entry({ validFrom: '2026-03-05' })] }, 'entries[1].validFrom', /leaves a gap after entries\[0\] for qc.alpha by web, which ends 2026-03-01/],
    ['overlapping periods', { currency: 'CAD', entries: [entry({ validFrom: '2026-02-01' }), entry({ validTo: '2026-03-01' })] }, 'entries[0].validFrom', /overlaps entries\[1\]/],
    ['an open period followed by another', { currency: 'CAD', entries: [entry(), entry({ validFrom: '2027-01-01' })] }, 'entries[1].validFrom', /with no end/],
    ['an end before the start', { currency: 'CAD', entries: [entry({ validTo: '2025-12-31' })] }, 'entries[0].validTo', /must come after validFrom/],
    ['an unknown channel', { currency: 'CAD', entries: [entry({ channel: 'fax' })] }, 'entries[0].channel', /must be one of/],
    ['a bad currency', { currency: 'dollars', entries: [entry()] }, 'currency', /ISO 4217/],
    ['no entries', { currency: 'CAD', entries: [] }, 'entries', /from 1 to 5000/],
    ['an impossible day', { currency: 'CAD', entries: [entry({ validFrom: '2026-02-30' })] }, 'entries[0].validFrom', /YYYY-MM-DD/],
    ['an unknown field', { currency: 'CAD', entries: [entry({ discount: 1 })] }, 'entries[0].discount', /not part of a tariff entry/],
  ])('refuses %s, naming the field', (_what, input, field, message) => {
    const result = checkTariff(input);
    expect(result).toMatchObject({ ok: false, field });
    expect(result.ok === false && result.message).toMatch(message);
  });
});
