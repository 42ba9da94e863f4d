import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

const ROOT = resolve(__dirname, '..');
const exec = promisify(execFile);

/** The `passerelle` command exactly as a user runs it, against a running hub. */
async function passerelle(...args: string[]) {
  try {
    const { stdout, stderr } = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), ...args], { cwd: ROOT });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('passerelle schemas … --registry against the running hub', () => {
  let hub: TargetProcess;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-cli-e2e-'));
    hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: join(dir, 'data') });
    url = await listeningUrl(hub);
  }, 240_000);
  afterAll(async () => {
    await terminate(hub);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists the registered subjects with their modes', async () => {
    const result = await passerelle('schemas', 'list', '--registry', url);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/passerelle\.case\.AddressChanged\.v2\s+1,2\s+contact\s+personal\s+BACKWARD/);
  });

  it('validates files through the registry: 0 when valid, 1 with paths when not', async () => {
    const good = join(ROOT, 'schemas/envelope/v1.example.json');
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ specversion: '1.0' }));

    expect((await passerelle('schemas', 'validate', '--registry', url, good)).code).toBe(0);
    const result = await passerelle('schemas', 'validate', '--registry', url, good, bad);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('/id  required: is required but missing');
  });

  it('checks a candidate against its subject’s registered versions', async () => {
    const result = await passerelle('schemas', 'check', '--registry', url, join(ROOT, 'schemas/case/address-changed/v2.schema.json'));
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^✗ incompatible \(BACKWARD\)/);
  });
});

describe('the gateway’s AsyncAPI document', () => {
  it('is served as YAML', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-asyncapi-'));
    const hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: join(dir, 'data') });
    try {
      const url = await listeningUrl(hub);
      const response = await fetch(`${url}/asyncapi.yaml`);
      expect(response.headers.get('content-type')).toContain('application/yaml');
      expect(await response.text()).toMatch(/^asyncapi: 3\.0\.0$/m);
    } finally {
      await terminate(hub);
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe('a demo session with the CLI against the embedded hub: publish, read, audit, verify offline', () => {
  let hub: TargetProcess;
  let url: string;
  let dir: string;
  const as = (...args: string[]) => passerelle(...args, '--hub', url, '--key-dir', join(dir, 'keys'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-session-'));
    hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: join(dir, 'data'), PASSERELLE_KEYS_DIR: join(dir, 'keys') });
    url = await listeningUrl(hub);
  }, 240_000);
  afterAll(async () => {
    await terminate(hub);
    await rm(dir, { recursive: true, force: true });
  });

  it('publishes as one demo organization, reads as another, verifies the case on the hub and then offline from a bundle', async () => {
    const envelope = JSON.parse(await readFile(join(ROOT, 'schemas/envelope/v1.example.json'), 'utf8')) as Record<string, unknown>;
    const open = join(dir, 'open.json');
    await writeFile(open, JSON.stringify({ ...envelope, source: 'urn:passerelle:org:demo.health', data: { ...(envelope.data as object), owner: 'demo.health' } }));

    const published = await as('publish', open, '--as', 'demo.health');
    expect(published).toMatchObject({ code: 0, stdout: expect.stringMatching(/^✓ accepted {2}evt-01J9Z3W4Q8M2R6T1 {2}case case-2026-000123 revision 0/) });
    expect(await as('case', 'case-2026-000123', '--as', 'demo.health', '--min-revision', '0')).toMatchObject({ code: 0, stdout: expect.stringContaining('owner demo.health') });
    expect(await as('case', 'case-2026-000123', '--as', 'demo.transport')).toMatchObject({ code: 1, stdout: expect.stringContaining('no case case-2026-000123 for demo.transport') });
    expect(await as('audit', 'verify', '--case', 'case-2026-000123', '--as', 'hub')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^✓ case case-2026-000123: 1 events/) });

    const bundle = join(dir, 'case.audit.json');
    expect(await as('audit', 'export', '--case', 'case-2026-000123', '--as', 'hub', '--out', bundle)).toMatchObject({ code: 0 });
    await terminate(hub);
    // The whole store, straight from the stopped hub's data folder (verification threads, as built).
    expect(await passerelle('audit', 'verify', '--all', '--data', join(dir, 'data'))).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^✓ the whole store: \d+ events in \d+ stream\(s\) verified \(chain, signatures, schemas, head\)/),
    });
    // Offline: no hub, no database, another folder.
    const offline = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), 'audit', 'verify', '--bundle', bundle], { cwd: tmpdir(), env: { PATH: process.env.PATH } });
    expect(offline.stdout).toMatch(/^✓ case case-2026-000123 \(bundle of .*, offline\): 1 events in 1 stream\(s\) verified \(chain, signatures, schemas, head\)/);

    const tampered = JSON.parse(await readFile(bundle, 'utf8')) as { events: Array<{ data: { data: Record<string, unknown> } }> };
    tampered.events[0]!.data.data.title = 'Something else';
    await writeFile(bundle, JSON.stringify(tampered));
    expect(await passerelle('audit', 'verify', '--bundle', bundle)).toMatchObject({ code: 1, stdout: expect.stringMatching(/^✗ case case-2026-000123 .*: modified at case-case-2026-000123, revision 0/) });
  }, 240_000);
});

describe('an operator session with the CLI: a ministry joins, rotates its key, and a key is revoked', () => {
  let hub: TargetProcess;
  let url: string;
  let dir: string;
  const keys = () => join(dir, 'keys');
  const operator = (...args: string[]) => passerelle(...args, '--hub', url, '--key-dir', keys(), '--as', 'hub');
  const readAs = (org: string, keyDir: string) => passerelle('case', 'case-none', '--hub', url, '--key-dir', keyDir, '--as', org);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-operator-'));
    hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: join(dir, 'data'), PASSERELLE_KEYS_DIR: keys() });
    url = await listeningUrl(hub);
  }, 240_000);
  afterAll(async () => {
    await terminate(hub);
    await rm(dir, { recursive: true, force: true });
  });

  it('admits qc.test with its JWKS, lets its tokens in, refuses them once its key is rotated out, then revoked', async () => {
    const first = join(dir, 'first');
    const second = join(dir, 'second');
    expect(await passerelle('org', 'init', 'qc.test', '--key-dir', first)).toMatchObject({ code: 0, stdout: expect.stringContaining('qc.test.jwks.json') });
    expect(await passerelle('org', 'init', 'qc.test', '--key-dir', second)).toMatchObject({ code: 0 });

    const added = await operator('org', 'add', 'qc.test', '--name', 'Test ministry', '--jwks', join(first, 'qc.test.jwks.json'), '--issuer', 'urn:passerelle:issuer:qc.test', '--roles', 'publisher,subscriber');
    expect(added).toMatchObject({ code: 0, stdout: expect.stringMatching(/^admitted qc\.test with key qc\.test-/) });
    expect((await operator('org', 'list')).stdout).toMatch(/^qc\.test\s+Test ministry\s+publisher,subscriber\s+qc\.test-\S+ \(valid\)/m);
    // Authenticated: the case does not exist for it (1), rather than a refused token (2).
    expect(await readAs('qc.test', first)).toMatchObject({ code: 1, stdout: expect.stringContaining('no case case-none for qc.test') });
    expect(await operator('org', 'add', 'qc.test', '--name', 'Again', '--jwks', join(first, 'qc.test.jwks.json'), '--issuer', 'urn:passerelle:issuer:qc.other', '--roles', 'publisher')).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('FEDERATION.ALREADY_MEMBER'),
    });

    const rotated = await operator('org', 'keys', 'rotate', 'qc.test', '--jwks', join(second, 'qc.test.jwks.json'));
    expect(rotated).toMatchObject({ code: 0, stdout: expect.stringMatching(/^added qc\.test-\S+; retired qc\.test-\S+ as of /) });
    expect(await readAs('qc.test', first)).toMatchObject({ code: 2, stderr: expect.stringContaining('TOKEN.KEY_RETIRED') });
    expect(await readAs('qc.test', second)).toMatchObject({ code: 1 });

    const kid = /^added (\S+);/.exec(rotated.stdout)![1]!;
    expect(await operator('org', 'keys', 'revoke', 'qc.test', kid, '--reason', 'compromised')).toMatchObject({ code: 0, stdout: expect.stringContaining(`revoked ${kid} as of`) });
    expect(await readAs('qc.test', second)).toMatchObject({ code: 2, stderr: expect.stringContaining('TOKEN.KEY_REVOKED') });
    expect(await passerelle('org', 'list', '--hub', url, '--key-dir', second, '--as', 'qc.test')).toMatchObject({ code: 2 });
  }, 60_000);
});
