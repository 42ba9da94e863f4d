import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir, readSchemaDirectory } from '../catalog/schema-catalog';
import type { CaseEventEnvelope } from '../envelope/envelope';
import { EventValidator } from '../validation/event-validator';
import { upcast } from './upcasters';

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
