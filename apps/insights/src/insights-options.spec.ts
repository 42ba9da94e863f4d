import { insightsOptions } from './insights-options';

describe('insights options', () => {
  it('suppress below 5 cases unless told otherwise', () => {
    expect(insightsOptions({})).toEqual({ k: 5, batchSize: 500 });
    expect(insightsOptions({ PASSERELLE_INSIGHTS_K: '10' }).k).toBe(10);
  });

  it.each(['1', '0', '2.5', 'five'])('refuse k=%s, naming the variable', (k) => {
    expect(() => insightsOptions({ PASSERELLE_INSIGHTS_K: k })).toThrow(`PASSERELLE_INSIGHTS_K=${k}: give a whole number from 2 to 1000`);
  });
});
