import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { FEDERATION_DIRECTORY, type FederationLog } from '@passerelle/identity';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, testDatabaseUrl, type TestOrganization } from '@passerelle/testing';
import { schemasComponent } from '.';

const env = () => ({ DATABASE_URL: testDatabaseUrl(), PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_MAX_ENVELOPE_BYTES: '65536' });
const envelope = () => JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v1.example.json'), 'utf8')) as Record<string, unknown>;
/** A fresh subject per test: the database is shared by the whole run. */
const subject = () => `case.Probe${[...randomBytes(6)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
const schema = (name: string, version: number, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: `urn:passerelle:schema:${name.replace('.', ':')}:v${version}`,
  title: name,
  'x-classification': 'internal',
  'x-category': 'case',
  type: 'object',
  properties,
  required: Object.keys(properties).slice(0, 1),
  additionalProperties: false,
  ...extra,
});

describe('schema registry over HTTP, on PostgreSQL', () => {
  let target: RunningTarget;
  let db: PostgresDatabase;
  let integrator: TestOrganization;
  let token: string;
  const call = async (method: string, path: string, body?: unknown, raw?: string, bearer: string | null = token) => {
    const response = await fetch(`${target.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: raw ?? (body === undefined ? undefined : JSON.stringify(body)),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> & unknown[] };
  };

  beforeAll(async () => {
    db = await PostgresDatabase.open({ url: testDatabaseUrl() });
    integrator = await admitTestOrganization(db, ['integrator', 'subscriber']);
    token = await integrator.token(['integrator']);
    target = await runTarget('schemas', [schemasComponent], env());
  }, 60_000);
  afterAll(async () => {
    await target.app.close();
    await db.close();
  });

  it('changes schemas only for an integrator or operator: 401 without a token, 403 with another role', async () => {
    const name = subject();
    const v1 = schema(name, 1, { a: { type: 'string' } });
    expect(await call('POST', `/subjects/${name}/versions`, v1, undefined, null)).toMatchObject({ status: 401, body: { code: 'TOKEN.MISSING' } });
    expect(await call('POST', `/subjects/${name}/versions`, v1, undefined, await integrator.token(['subscriber']))).toMatchObject({ status: 403, body: { code: 'TOKEN.ROLE_MISSING' } });
    expect(await call('PUT', '/subjects/case.CaseOpened/config', { compatibility: 'NONE' }, undefined, 'not.a.token')).toMatchObject({ status: 401, body: { code: 'TOKEN.MALFORMED' } });
    expect((await call('GET', `/subjects/${name}/versions`, undefined, undefined, null)).status).toBe(404);
  });

  it('lists the catalog seeded from schemas/, each subject with its versions and mode', async () => {
    const { status, body } = await call('GET', '/subjects');
    expect(status).toBe(200);
    expect(body).toContainEqual({ subject: 'case.AddressChanged', versions: [1, 2], compatibility: 'BACKWARD', classification: 'personal', category: 'contact' });
    expect(body).toContainEqual(expect.objectContaining({ subject: 'case.CaseOpened', versions: [1] }));
  });

  it('serves one version, the latest, and says what exists when asked for what does not', async () => {
    expect((await call('GET', '/subjects/case.AddressChanged/versions/latest')).body.$id).toBe('urn:passerelle:schema:case:AddressChanged:v2');
    expect((await call('GET', '/subjects/case.AddressChanged/versions/1')).body.$id).toBe('urn:passerelle:schema:case:AddressChanged:v1');
    expect(await call('GET', '/subjects/case.AddressChanged/versions/7')).toEqual({
      status: 404,
      body: { code: 'SCHEMA.VERSION_NOT_FOUND', message: 'case.AddressChanged has no version 7; it has 1, 2' },
    });
    expect(await call('GET', '/subjects/case.Nothing/versions')).toEqual({ status: 404, body: { code: 'SCHEMA.SUBJECT_NOT_FOUND', message: 'no subject case.Nothing in the registry' } });
  });

  it('registers a compatible version, refuses a breaking one with reasons, and honours the subject’s mode', async () => {
    const name = subject();
    expect(await call('POST', `/subjects/${name}/versions`, schema(name, 1, { a: { type: 'string' } }))).toMatchObject({ status: 201, body: { subject: name, version: 1 } });
    expect(await call('POST', `/subjects/${name}/versions`, schema(name, 2, { a: { type: 'string' }, b: { type: 'integer' } }))).toMatchObject({ status: 201, body: { version: 2 } });

    const breaking = schema(name, 3, { a: { type: 'integer' }, b: { type: 'integer' } });
    const refused = await call('POST', `/subjects/${name}/versions`, breaking);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'SCHEMA.INCOMPATIBLE', message: `version 3 of ${name} breaks its BACKWARD compatibility (1 problem)` });
    expect(refused.body.incompatibilities).toEqual([expect.objectContaining({ path: expect.stringContaining('/properties/a'), direction: 'backward', reason: expect.any(String) })]);
    expect((await call('GET', `/subjects/${name}/versions`)).body).toEqual([1, 2]);

    expect(await call('POST', `/subjects/${name}/compatibility`, breaking)).toMatchObject({ status: 200, body: { compatible: false, mode: 'BACKWARD' } });
    expect(await call('PUT', `/subjects/${name}/config`, { compatibility: 'NONE' })).toEqual({ status: 200, body: { compatibility: 'NONE' } });
    expect(await call('POST', `/subjects/${name}/versions`, breaking)).toMatchObject({ status: 201, body: { version: 3 } });
  });

  it.each([
    ['a $ref outside the registry', { $ref: 'https://schemas.example.org/x.json' }, 422, 'SCHEMA.INVALID_DOCUMENT', /is not in the registry \(references are never fetched from the network\)/],
    ['a circular $ref', { $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, properties: { a: { $ref: '#/$defs/a' } } }, 422, 'SCHEMA.INVALID_DOCUMENT', /circular \$ref/],
    ['an unknown keyword', { propertiez: {} }, 422, 'SCHEMA.INVALID_DOCUMENT', /unknown keyword: "propertiez"/],
  ])('refuses %s and registers nothing', async (_what, extra, status, code, message) => {
    const name = subject();
    const result = await call('POST', `/subjects/${name}/versions`, schema(name, 1, { a: { type: 'string' } }, extra));
    expect(result).toEqual({ status, body: { code, message: expect.stringMatching(message) } });
    expect((await call('GET', `/subjects/${name}/versions`)).status).toBe(404);
  });

  it('refuses a version that is not the next one, and a mode that does not exist', async () => {
    const name = subject();
    expect(await call('POST', `/subjects/${name}/versions`, schema(name, 2, { a: { type: 'string' } }))).toEqual({
      status: 409,
      body: { code: 'SCHEMA.WRONG_VERSION', message: `$id must be urn:passerelle:schema:${name.replace('.', ':')}:v1: the next version of ${name} is 1` },
    });
    expect((await call('PUT', '/subjects/case.CaseOpened/config', { compatibility: 'SIDEWAYS' })).body).toMatchObject({ code: 'SCHEMA.INVALID_MODE' });
    expect((await call('GET', '/subjects/case.CaseOpened/config')).body).toEqual({ compatibility: 'BACKWARD' });
  });

  it('validates an envelope: valid, or the errors with their paths', async () => {
    expect(await call('POST', '/validate', envelope())).toEqual({ status: 200, body: { valid: true, type: 'passerelle.case.CaseOpened.v1', errors: [] } });
    const invalid = await call('POST', '/validate', { ...envelope(), channel: 'fax' });
    expect(invalid).toMatchObject({ status: 200, body: { valid: false, code: 'SCHEMA.INVALID', errors: [{ pointer: '/channel', keyword: 'enum', actual: 'fax' }] } });
    const data = await call('POST', '/validate?type=passerelle.case.CaseOpened.v1', { owner: 'qc.ramq' });
    expect(data.body).toMatchObject({ valid: false, errors: [{ pointer: '/citizen', keyword: 'required' }, { pointer: '/title' }, { pointer: '/openedAt' }] });
  });

  it('answers malformed JSON with 400 and an oversized body with 413, each with a code', async () => {
    expect(await call('POST', '/validate', undefined, '{"specversion": ')).toMatchObject({ status: 400, body: { code: 'REQUEST.MALFORMED_JSON', message: expect.stringMatching(/^the request body is not valid JSON/) } });
    const big = JSON.stringify({ ...envelope(), subject: 'x'.repeat(70_000) });
    expect(await call('POST', '/validate', undefined, big)).toMatchObject({ status: 413, body: { code: 'REQUEST.TOO_LARGE', message: expect.stringContaining('over the 65536-byte limit') } });
  });

  it('keeps what was registered across a restart', async () => {
    const name = subject();
    await call('POST', `/subjects/${name}/versions`, schema(name, 1, { a: { type: 'string' } }));
    await target.app.close();
    target = await runTarget('schemas', [schemasComponent], env());
    await target.app.get<FederationLog>(FEDERATION_DIRECTORY).refresh();
    expect((await call('GET', `/subjects/${name}/versions`)).body).toEqual([1]);
  }, 60_000);

  it('serves its OpenAPI description at /docs', async () => {
    const response = await fetch(`${target.url}/docs-json`);
    const openapi = (await response.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/subjects', '/subjects/{subject}/versions', '/validate']));
    expect((await fetch(`${target.url}/docs`)).status).toBe(200);
  });
});
