import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir, readSchemaDirectory } from '../catalog/schema-catalog';
import type { CaseEventEnvelope } from '../envelope/envelope';
import { EventValidator } from '../validation/event-validator';
import { inlineCatalogRefs } from '../catalog/inline-refs';
import { checkCompatibility, type JsonSchema } from '../compatibility/compatibility';
import { upcast, upcastEnvelope, type CommittedEnvelopeV2 } from './upcasters';

const dir = defaultSchemasDir();
const v1Data = JSON.parse(readFileSync(join(dir, 'case/address-changed/v1.example.json'), 'utf8')) as Record<string, unknown>;
const v1: CaseEventEnvelope = {
  ...(JSON.parse(readFileSync(join(dir, 'envelope/v1.example.json'), 'utf8')) as CaseEventEnvelope),
  type: 'passerelle.case.AddressChanged.v1',
  dataschema: 'urn:passerelle:schema:case:AddressChanged:v1',
  dataclassification: 'personal',
  data: v1Data,
};

describe('upcasting AddressChanged v1 → v2', () => {
  let validator: EventValidator;
  beforeAll(async () => {
    validator = new EventValidator(await readSchemaDirectory(dir));
  });

  it('given a valid v1 event, when read, then it is a valid v2 event with the one line as line1', () => {
    expect(validator.validate(v1)).toMatchObject({ valid: true });

    const v2 = upcast(v1);

    expect(v2.type).toBe('passerelle.case.AddressChanged.v2');
    expect(v2.dataschema).toBe('urn:passerelle:schema:case:AddressChanged:v2');
    expect(v2.data).toMatchObject({ citizen: v1Data.citizen, effectiveFrom: v1Data.effectiveFrom, address: { line1: v1Data.address, country: 'ZZ' } });
    expect(validator.validate(v2)).toMatchObject({ valid: true });
  });

  it('leaves the stored event untouched (its signature and hash cover the original)', () => {
    const before = JSON.stringify(v1);
    upcast(v1);
    expect(JSON.stringify(v1)).toBe(before);
  });

  it('returns an event with no upcaster as it is', () => {
    const v2 = upcast(v1);
    expect(upcast(v2)).toBe(v2);
  });
});

describe('ServiceRequested v2: an optional segment, backward compatible', () => {
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
  let validator: EventValidator;
  let catalog: Awaited<ReturnType<typeof readSchemaDirectory>>;
  beforeAll(async () => {
    catalog = await readSchemaDirectory(dir);
    validator = new EventValidator(catalog);
  });

  it('passes the compatibility check of its subject (BACKWARD: v2 reads every v1 event)', () => {
    const standalone = (file: string) => inlineCatalogRefs(read(file), catalog) as JsonSchema;
    const result = checkCompatibility(standalone('case/service-requested/v2.schema.json'), [standalone('case/service-requested/v1.schema.json')], 'BACKWARD');
    expect(result).toEqual({ compatible: true, incompatibilities: [] });
  });

  it('given a v1 request, when read, then it is a valid v2 request with no segment', () => {
    const data = read('case/service-requested/v1.example.json');
    const old: CaseEventEnvelope = { ...v1, type: 'passerelle.case.ServiceRequested.v1', dataschema: 'urn:passerelle:schema:case:ServiceRequested:v1', dataclassification: 'internal', data };
    expect(validator.validate(old)).toMatchObject({ valid: true });

    const current = upcast(old);

    expect(current).toMatchObject({ type: 'passerelle.case.ServiceRequested.v2', dataschema: 'urn:passerelle:schema:case:ServiceRequested:v2', data });
    expect(current.data).not.toHaveProperty('segment');
    expect(validator.validate(current)).toMatchObject({ valid: true });
  });
});

describe('upcasting envelope v2 → v3: the commit attributes', () => {
  const dir2 = defaultSchemasDir();
  const v2 = () => JSON.parse(readFileSync(join(dir2, 'envelope/v2.committed.example.json'), 'utf8')) as CommittedEnvelopeV2;

  it('given a v2 committed event, when read, then sequence and position are caserevision and logposition, in decimal', () => {
    const old = v2();
    const current = upcastEnvelope(old) as unknown as Record<string, unknown>;
    expect(current).toMatchObject({ caserevision: '0', logposition: '1207', prevhash: old.prevhash, hash: old.hash });
    expect(current).not.toHaveProperty('sequence');
    expect(current).not.toHaveProperty('position');
  });

  it('takes the decimal strings of a binary-mode message’s headers as well', () => {
    expect(upcastEnvelope({ ...v2(), sequence: '12', position: '4294967296' })).toMatchObject({ caserevision: '12', logposition: '4294967296' });
  });

  it('upcasts the envelope and then the data, in one read', () => {
    const old = { ...v2(), ...v1, sequence: 3, position: 99 } as CommittedEnvelopeV2;
    expect(upcast(old)).toMatchObject({ type: 'passerelle.case.AddressChanged.v2', caserevision: '3', logposition: '99' });
  });

  it('leaves a v3 or a publisher’s envelope as it is, the stored one untouched, and a value that is no whole number under its v2 name', () => {
    const current = upcastEnvelope(v2());
    expect(upcastEnvelope(current)).toBe(current);
    expect(upcastEnvelope(v1)).toBe(v1);
    const old = v2();
    const before = JSON.stringify(old);
    upcastEnvelope(old);
    expect(JSON.stringify(old)).toBe(before);
    expect(upcastEnvelope({ ...v2(), sequence: -1, position: 2.5 })).toMatchObject({ sequence: -1, position: 2.5 });
  });
});
