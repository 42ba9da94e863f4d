import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, testDatabaseUrl, type TestOrganization } from '@passerelle/testing';
import { schemasComponent } from '..';

const env = () => ({ DATABASE_URL: testDatabaseUrl(), PORT: '0', LOG_LEVEL: 'silent' });
const subject = () => `case.Ccompat${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
const schema = (name: string, version: number, properties: Record<string, unknown>) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `urn:passerelle:schema:${name.replace('.', ':')}:v${version}`,
  title: name,
  'x-classification': 'internal',
  'x-category': 'case',
  type: 'object',
  properties,
  additionalProperties: false,
});

/** An integrator's ajv, told about our vocabulary from schemas/meta/ (docs/contracts.md). */
function integratorAjv(): Ajv2020 {
  const read = (file: string) => JSON.parse(readFileSync(join(defaultSchemasDir(), 'meta', file), 'utf8')) as Record<string, unknown> & { properties?: object };
  const ajv = new Ajv2020();
  addFormats(ajv);
  const vocabulary = read('sharing-vocabulary.meta.json');
  ajv.addMetaSchema(vocabulary);
  ajv.addMetaSchema(read('dialect.meta.json'));
  ajv.addVocabulary(Object.keys(vocabulary.properties!));
  return ajv;
}

/** What the client's mappersmith layer takes: a bearer token on every request. */
const bearer = (token: string) => () => ({ prepareRequest: (next: () => Promise<{ enhance: (o: object) => unknown }>) => next().then((request) => request.enhance({ headers: { authorization: `Bearer ${token}` } })) });

describe('the Confluent-compatible registry API, driven by @kafkajs/confluent-schema-registry', () => {
  let target: RunningTarget;
  let db: PostgresDatabase;
  let integrator: TestOrganization;
  let client: SchemaRegistry;
  let anonymous: SchemaRegistry;
  /** Another producer's client: its own ajv (one ajv compiles an $id only once). */
  let newClient: () => Promise<SchemaRegistry>;

  beforeAll(async () => {
    db = await PostgresDatabase.open({ url: testDatabaseUrl() });
    integrator = await admitTestOrganization(db, ['integrator']);
    target = await runTarget('schemas', [schemasComponent], env());
    newClient = async () =>
      new SchemaRegistry(
        { host: `${target.url}/ccompat`, retry: { retries: 0 }, middlewares: [bearer(await integrator.token(['integrator'])) as never] },
        { [SchemaType.JSON]: { ajvInstance: integratorAjv() } },
      );
    client = await newClient();
    anonymous = new SchemaRegistry({ host: `${target.url}/ccompat`, retry: { retries: 0 } }, { [SchemaType.JSON]: { ajvInstance: integratorAjv() } });
  }, 60_000);
  afterAll(async () => {
    await target.app.close();
    await db.close();
  });

  it('looks up a seeded schema by subject and id, with its references to shared definitions, and encodes with it', async () => {
    const id = await anonymous.getLatestSchemaId('case.CaseOpened');
    expect(id).toBe(await anonymous.getRegistryId('case.CaseOpened', 1));
    const data = { owner: 'qc.ramq', citizen: 'cit-9d41e2', title: 'Renewal', openedAt: '2026-11-25T14:03:00Z' };
    // encode fetches the schema by id and its references (common v1), compiles it, validates the payload.
    const encoded = await anonymous.encode(id, data);
    expect(encoded.readUInt8(0)).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await anonymous.decode(encoded)).toEqual(data);
    await expect(anonymous.encode(id, { ...data, owner: 'Quebec RAMQ' })).rejects.toThrow('invalid payload');
  });

  it('registers a JSON schema, gives the same id for the same schema again, and finds it by schema', async () => {
    const name = subject();
    const v1 = { type: SchemaType.JSON as const, schema: JSON.stringify(schema(name, 1, { a: { type: 'string' } })) };
    const { id } = await client.register(v1, { subject: name });
    expect(id).toBeGreaterThan(0);
    expect(await (await newClient()).register(v1, { subject: name })).toEqual({ id });
    expect(await client.getRegistryIdBySchema(name, v1)).toBe(id);
    expect(await client.getRegistryId(name, 1)).toBe(id);
    // Confluent's wire format: magic byte 0, the schema id (4 bytes, big-endian), the JSON.
    const header = Buffer.alloc(5);
    header.writeInt32BE(id, 1);
    expect(await (await newClient()).encode(id, { a: 'x' })).toEqual(Buffer.concat([header, Buffer.from('{"a":"x"}')]));

    const v2 = { type: SchemaType.JSON as const, schema: JSON.stringify(schema(name, 2, { a: { type: 'string' }, b: { type: 'integer' } })) };
    const second = await client.register(v2, { subject: name });
    expect(second.id).toBeGreaterThan(id);
    expect(await client.getLatestSchemaId(name)).toBe(second.id);
  });

  it('checks compatibility, and refuses an incompatible registration with 409 and the reason', async () => {
    const name = subject();
    await client.register({ type: SchemaType.JSON, schema: JSON.stringify(schema(name, 1, { a: { type: 'string' } })) }, { subject: name });
    const breaking = { schemaType: 'JSON', schema: JSON.stringify(schema(name, 2, { a: { type: 'integer' } })) };
    const compatible = { schemaType: 'JSON', schema: JSON.stringify(schema(name, 2, { a: { type: 'string' }, b: { type: 'integer' } })) };
    // The client's own compatibility resource (it has no helper method for it).
    const api = (client as unknown as { api: { Subject: { compatible: (args: object) => Promise<{ data: () => unknown }> } } }).api;
    expect((await api.Subject.compatible({ subject: name, version: 'latest', body: compatible })).data()).toEqual({ is_compatible: true });
    expect((await api.Subject.compatible({ subject: name, version: 'latest', body: breaking })).data()).toEqual({ is_compatible: false });

    await expect(client.register({ type: SchemaType.JSON, schema: breaking.schema }, { subject: name })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining(`version 2 of ${name} breaks its BACKWARD compatibility (1 problem)`),
    });
    expect(await client.getLatestSchemaId(name)).toBe(await client.getRegistryId(name, 1));
  });

  it('needs an integrator token to register; reading stays open', async () => {
    const name = subject();
    await expect(anonymous.register({ type: SchemaType.JSON, schema: JSON.stringify(schema(name, 1, {})) }, { subject: name })).rejects.toMatchObject({ status: 401 });
  });

  describe('on the wire', () => {
    const call = async (method: string, path: string, body?: unknown, contentType = 'application/vnd.schemaregistry.v1+json') => {
      const response = await fetch(`${target.url}/ccompat${path}`, {
        method,
        headers: { 'content-type': contentType, accept: 'application/vnd.schemaregistry.v1+json', authorization: `Bearer ${await integrator.token(['integrator'])}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
    };

    it('answers in application/vnd.schemaregistry.v1+json, errors as { error_code, message }', async () => {
      expect(await call('GET', '/subjects/case.Nothing/versions')).toMatchObject({
        status: 404,
        type: expect.stringContaining('application/vnd.schemaregistry.v1+json'),
        body: { error_code: 40401, message: 'no subject case.Nothing in the registry' },
      });
      expect(await call('GET', '/subjects/case.AddressChanged/versions/9')).toMatchObject({ status: 404, body: { error_code: 40402, message: 'case.AddressChanged has no version 9; it has 1, 2' } });
      expect(await call('GET', '/subjects/case.AddressChanged/versions/first')).toMatchObject({ status: 422, body: { error_code: 42202 } });
      expect(await call('GET', '/schemas/ids/999999')).toMatchObject({ status: 404, body: { error_code: 40403, message: 'no schema has the id 999999' } });
      expect(await call('GET', '/config/case.AddressChanged')).toMatchObject({ status: 200, type: expect.stringContaining('application/vnd.schemaregistry.v1+json'), body: { compatibilityLevel: 'BACKWARD' } });
      expect(await call('PUT', '/config/case.AddressChanged', { compatibility: 'SIDEWAYS' })).toMatchObject({ status: 422, body: { error_code: 42203 } });
    });

    it('refuses what is not a JSON schema, with 42201, and registers nothing', async () => {
      const name = subject();
      expect(await call('POST', `/subjects/${name}/versions`, { schema: '{"type": "record", "name": "x", "fields": []}' })).toMatchObject({
        status: 422,
        body: { error_code: 42201, message: 'no schemaType (which means AVRO): this registry holds JSON Schemas only, send "schemaType": "JSON"' },
      });
      expect(await call('POST', `/subjects/${name}/versions`, { schemaType: 'JSON', schema: '{"type": ' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
      expect(await call('POST', `/subjects/${name}/versions`, { schemaType: 'JSON', schema: JSON.stringify(schema(name, 2, {})) })).toMatchObject({
        status: 422,
        body: { error_code: 42201, message: expect.stringContaining('the next version of') },
      });
      expect(await call('GET', `/subjects/${name}/versions`)).toMatchObject({ status: 404, body: { error_code: 40401 } });
    });

    it('takes application/json and application/vnd.schemaregistry+json bodies too', async () => {
      const name = subject();
      const body = { schemaType: 'JSON', schema: JSON.stringify(schema(name, 1, {})) };
      const first = await call('POST', `/subjects/${name}/versions`, body, 'application/vnd.schemaregistry+json');
      expect(first).toMatchObject({ status: 200, body: { id: expect.any(Number) } });
      expect(await call('POST', `/subjects/${name}/versions`, body, 'application/json')).toMatchObject({ status: 200, body: { id: first.body.id } });
      expect(await call('POST', `/subjects/${name}`, body)).toMatchObject({ status: 200, body: { subject: name, version: 1, id: first.body.id, schemaType: 'JSON' } });
    });
  });
});
