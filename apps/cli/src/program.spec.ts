import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultSchemasDir } from '@passerelle/contracts';
import { PgliteDatabase } from '@passerelle/database';
import { run } from './program';

const schemas = defaultSchemasDir();
const dir = mkdtempSync(join(tmpdir(), 'passerelle-cli-'));
const write = (name: string, content: unknown) => {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
};
const example = JSON.parse(readFileSync(join(schemas, 'envelope/v1.example.json'), 'utf8')) as Record<string, unknown>;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('passerelle schemas validate (offline, from schemas/)', () => {
  it('exits 0 when every file is valid', async () => {
    const result = await cli('schemas', 'validate', join(schemas, 'envelope/v1.example.json'));
    expect(result).toMatchObject({ code: 0, out: expect.stringContaining('✓') });
    expect(result.out).toContain('1 valid, 0 invalid');
  });

  it('exits 1 and prints each error with its path when one is not', async () => {
    const bad = write('bad.json', { ...example, channel: 'fax', data: { ...(example.data as object), owner: 'Quebec RAMQ' } });
    const result = await cli('schemas', 'validate', join(schemas, 'envelope/v1.example.json'), bad);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`✗ ${bad}  SCHEMA.INVALID`);
    expect(result.out).toContain('/channel  enum: must be one of "counter"');
    expect(result.out).toContain('/data/owner  pattern: must match');
    expect(result.out).toContain('1 valid, 1 invalid');
  });

  it('names malformed JSON and unknown types', async () => {
    const result = await cli('schemas', 'validate', write('broken.json', '{"a":'), write('unknown.json', { ...example, type: 'passerelle.case.Nope.v1', dataschema: 'urn:passerelle:schema:case:Nope:v1' }));
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/broken\.json {2}ENVELOPE\.MALFORMED\n {4}\/ {2}json: is not valid JSON/);
    expect(result.out).toContain('SCHEMA.UNKNOWN_TYPE');
  });

  it('validates bare data with --type', async () => {
    const result = await cli('schemas', 'validate', '--type', 'passerelle.case.CaseOpened.v1', join(schemas, 'case/case-opened/v1.example.json'));
    expect(result.code).toBe(0);
  });

  it('prints machine-readable results with --json', async () => {
    const result = await cli('schemas', 'validate', '--json', write('j.json', { ...example, actor: '!' }));
    expect(JSON.parse(result.out)).toEqual([expect.objectContaining({ valid: false, code: 'SCHEMA.INVALID', errors: [expect.objectContaining({ pointer: '/actor', keyword: 'pattern' })] })]);
  });

  it('exits 2 on a file it cannot read', async () => {
    expect(await cli('schemas', 'validate', join(dir, 'missing.json'))).toMatchObject({ code: 2, err: expect.stringContaining('cannot read') });
  });
});

describe('passerelle schemas check', () => {
  const v1 = join(schemas, 'case/address-changed/v1.schema.json');
  const v2 = join(schemas, 'case/address-changed/v2.schema.json');

  it('exits 1 and prints every reason when the new version breaks the mode (default backward)', async () => {
    const result = await cli('schemas', 'check', v1, v2);
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^✗ incompatible \(BACKWARD\): \d+ problems?/);
    expect(result.out).toContain('/properties/address');
  });

  it('exits 0 when compatible', async () => {
    expect(await cli('schemas', 'check', v1, v1)).toMatchObject({ code: 0, out: '✓ compatible (BACKWARD)' });
    expect(await cli('schemas', 'check', v1, v2, '--mode', 'none')).toMatchObject({ code: 0, out: '✓ compatible (NONE)' });
  });

  it('exits 2 on an unknown mode, naming the valid ones', async () => {
    expect(await cli('schemas', 'check', v1, v2, '--mode', 'sideways')).toMatchObject({ code: 2, err: expect.stringContaining('--mode sideways is not a mode: use one of none, backward') });
  });
});

describe('passerelle schemas list', () => {
  it('lists every event type with versions, category and classification', async () => {
    const result = await cli('schemas', 'list');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/passerelle\.case\.AddressChanged\.v2\s+1,2\s+contact\s+personal/);
    expect(result.out).toMatch(/passerelle\.case\.CaseOpened\.v1\s+1\s+case\s+internal/);
  });

  it('exits 2 when the registry does not answer', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));

    expect(await cli('schemas', 'list', '--registry', `http://127.0.0.1:${port}`)).toMatchObject({
      code: 2,
      err: expect.stringContaining('did not answer (ECONNREFUSED): is the hub running?'),
    });
  });
});

describe('passerelle audit verify --all --data (offline, from a stopped hub’s folder)', () => {
  it.each([
    ['a path that does not exist', () => join(dir, 'no-such-folder')],
    ['an empty folder', () => mkdtempSync(join(tmpdir(), 'passerelle-empty-'))],
  ])('refuses %s with one line, exit 2, and creates nothing there', async (_what, path) => {
    const where = path();
    const before = existsSync(where) ? readdirSync(where) : undefined;

    expect(await cli('audit', 'verify', '--all', '--data', where)).toEqual({
      code: 2,
      out: '',
      err: `passerelle: no store at ${where}: give the data folder of a stopped hub (e.g. .passerelle/data), or --database`,
    });
    expect(existsSync(where) ? readdirSync(where) : undefined).toEqual(before);
  });

  it('refuses a database folder that holds no event store, and leaves it without one', async () => {
    const where = mkdtempSync(join(tmpdir(), 'passerelle-nostore-'));
    await (await PgliteDatabase.open(where)).close();

    expect(await cli('audit', 'verify', '--all', '--data', where)).toEqual({ code: 2, out: '', err: `passerelle: no store in ${where}: it holds no event log (es_events)` });
    const db = await PgliteDatabase.open(where);
    expect((await db.query<{ store: string | null }>(`SELECT to_regclass('es_events')::text AS store`)).rows).toEqual([{ store: null }]);
    await db.close();
  });
});
