import { decideRegistration } from './registration';

const v = (n: number, properties: Record<string, unknown>, required: string[] = []) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `urn:passerelle:schema:case:Probe:v${n}`,
  type: 'object',
  properties,
  required,
  // Closed, as every catalog schema is: with an open model, old data may already carry any
  // property, so even adding an optional one would narrow what is accepted.
  additionalProperties: false,
});

describe('registering a new schema version', () => {
  const v1 = v(1, { a: { type: 'string' } }, ['a']);

  it('given v1, when v2 only adds an optional field, then it is accepted as version 2 under BACKWARD', () => {
    expect(decideRegistration('case.Probe', v(2, { a: { type: 'string' }, b: { type: 'integer' } }, ['a']), [v1], 'BACKWARD')).toEqual({ accepted: true, version: 2 });
  });

  it('given v1, when v2 narrows a field’s type, then it is refused with the path and reason', () => {
    const decision = decideRegistration('case.Probe', v(2, { a: { type: 'integer' } }, ['a']), [v1], 'BACKWARD');
    expect(decision).toMatchObject({ accepted: false, code: 'SCHEMA.INCOMPATIBLE', incompatibilities: [expect.objectContaining({ path: expect.stringContaining('/properties/a'), direction: 'backward' })] });
  });

  it('given mode NONE, when v2 breaks everything, then it is accepted', () => {
    expect(decideRegistration('case.Probe', v(2, { a: { type: 'integer' } }), [v1], 'NONE')).toEqual({ accepted: true, version: 2 });
  });

  it('refuses a candidate that does not name the next version, saying which it must name', () => {
    expect(decideRegistration('case.Probe', v(3, {}), [v1], 'BACKWARD')).toEqual({
      accepted: false,
      code: 'SCHEMA.WRONG_VERSION',
      message: '$id must be urn:passerelle:schema:case:Probe:v2: the next version of case.Probe is 2',
    });
  });

  it('refuses a candidate of another subject', () => {
    const other = { ...v(2, {}), $id: 'urn:passerelle:schema:case:Other:v2' };
    expect(decideRegistration('case.Probe', other, [v1], 'BACKWARD')).toMatchObject({ accepted: false, code: 'SCHEMA.WRONG_VERSION' });
  });
});
