import { checkFilter, segmentMatches, selectCells } from './query';

const known = { organizations: ['qc.alpha', 'qc.beta'], services: ['licence'] };

describe('insights filters', () => {
  it('accept a bounded range with known values', () => {
    expect(checkFilter({ from: '2026-11-01', to: '2026-11-30', organization: 'qc.alpha', service: 'licence', channel: 'web', segment: 'individual/65+', grain: 'segment' }, known)).toEqual({
      ok: true,
      filter: { from: '2026-11-01', to: '2026-11-30', organization: 'qc.alpha', service: 'licence', channel: 'web', segment: 'individual/65+', grain: 'segment' },
    });
  });

  it.each([
    [{ to: '2026-11-30' }, 'from', /required: a range is always bounded/],
    [{ from: '2026-11-01' }, 'to', /required: a range is always bounded/],
    [{ from: '2026-11-30', to: '2026-11-01' }, 'to', /comes before from/],
    [{ from: '2025-01-01', to: '2026-11-01' }, 'to', /at most 366/],
    [{ from: 'yesterday', to: '2026-11-01' }, 'from', /must be a day/],
    [{ from: '2026-11-01', to: '2026-11-02', organization: 'qc.zeta' }, 'organization', /not a member organization/],
    [{ from: '2026-11-01', to: '2026-11-02', service: 'haircut' }, 'service', /no service "haircut" was ever requested/],
    [{ from: '2026-11-01', to: '2026-11-02', channel: 'fax' }, 'channel', /must be one of/],
    [{ from: '2026-11-01', to: '2026-11-02', segment: 'retired' }, 'segment', /segment must be/],
    [{ from: '2026-11-01', to: '2026-11-02', segment: 'individual' }, 'segment', /add grain=segment/],
    [{ from: '2026-11-01', to: '2026-11-02', service: 'licence', grain: 'organization' }, 'service', /use grain=service or grain=segment/],
    [{ from: '2026-11-01', to: '2026-11-02', colour: 'red' }, 'colour', /not a filter here/],
    [{ from: '2026-11-01', to: '2026-11-02', grain: 'hour' }, 'grain', /grain must be one of segment, service, organization/],
    [{ from: ['2026-11-01', '2026-11-02'], to: '2026-11-02' }, 'from', /more than once/],
  ])('refuse %j naming %s', (query, field, message) => {
    const result = checkFilter(query as Record<string, unknown>, known);
    expect(result).toMatchObject({ ok: false, field });
    expect(result.ok === false && result.message).toMatch(message);
  });

  it('match segments by the parts given', () => {
    expect([segmentMatches('individual/65+/*', 'individual'), segmentMatches('individual/65+/*', 'individual/65+'), segmentMatches('business/*/*', 'individual'), segmentMatches('unspecified', 'unspecified')]).toEqual([true, true, false, true]);
  });

  it('show an organization its own cells only; the operator and auditors all', () => {
    const cells = [
      { day: '2026-11-01', organization: 'qc.alpha' },
      { day: '2026-11-01', organization: 'qc.beta' },
    ];
    const filter = { from: '2026-11-01', to: '2026-11-01', grain: 'service' as const };
    expect(selectCells(cells, filter, { organization: 'qc.alpha', all: false })).toEqual([cells[0]]);
    expect(selectCells(cells, filter, { organization: 'hub', all: true })).toEqual(cells);
  });
});
