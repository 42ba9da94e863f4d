import { selectComponents } from './components';

describe('hub targets (PASSERELLE_TARGET)', () => {
  it('runs every component by default and for "all"', () => {
    const all = ['federation', 'schemas', 'ledger', 'relay', 'views', 'gateway', 'audit', 'insights'];
    expect(selectComponents().map((c) => c.name)).toEqual(all);
    expect(selectComponents('all').map((c) => c.name)).toEqual(all);
  });

  it('runs just the components listed, in the order given', () => {
    expect(selectComponents('relay, ledger').map((c) => c.name)).toEqual(['relay', 'ledger']);
  });

  it('names an unknown component and lists the known ones', () => {
    expect(() => selectComponents('ledger,billing')).toThrow(
      'PASSERELLE_TARGET names "billing", which is not a component: use all, or some of federation, schemas, ledger, relay, views, gateway, audit, insights',
    );
  });
});
