import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, type TestOrganization } from '@passerelle/testing';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import createClient from 'openapi-fetch';
import openapiTS, { astToString } from 'openapi-typescript';
import { ALL_COMPONENTS } from '../components';
import type { paths } from './hub-api';

/**
 * The OpenAPI document the hub serves, as integrators' tools read it: a mainstream linter's
 * recommended rules (Redocly), a generator (openapi-typescript, whose output is
 * ./hub-api.ts), and the client built on it (openapi-fetch) publishing and reading.
 */
describe('the hub’s OpenAPI document', () => {
  let hub: RunningTarget;
  let document: Record<string, unknown>;
  let org: TestOrganization;

  beforeAll(async () => {
    hub = await runTarget('hub', ALL_COMPONENTS, { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off' });
    org = await admitTestOrganization(hub.app.get<SqlDatabase>(SQL_DATABASE), ['publisher', 'subscriber']);
    document = (await (await fetch(`${hub.url}/docs-json`)).json()) as Record<string, unknown>;
  }, 60_000);
  afterAll(async () => {
    await hub.app.close();
  });

  it('passes Redocly’s recommended rules with no error', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-openapi-'));
    try {
      const file = join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(document));
      const cli = join(require.resolve('@redocly/cli/package.json'), '..', 'bin', 'cli.js');
      // Exit status 1 when a rule fails: the report on stdout says which, read either way.
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'lint', '--extends', 'recommended', '--format', 'json', file], { cwd: dir, maxBuffer: 16 * 1024 * 1024 }).catch(
        (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
      );
      const report = JSON.parse(stdout) as { totals: { errors: number }; problems: Array<{ severity: string; ruleId: string; message: string; location: Array<{ pointer: string }> }> };
      const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);
      expect(errors).toEqual([]);
      expect(report.totals.errors).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('declares the bearer scheme its operations use, a server and a license', () => {
    expect(document).toMatchObject({
      servers: [{ url: '/' }],
      info: { license: { name: 'Apache-2.0' } },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    });
    const publish = (document.paths as Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>)['/cases/{caseId}/events']!.post!;
    expect(publish.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(publish.responses)).toEqual(expect.arrayContaining(['201', '202']));
  });

  it('generates the client types committed in hub-api.ts (npm run generate after changing a controller)', async () => {
    const committed = await readFile(join(__dirname, 'hub-api.ts'), 'utf8');
    const generated = astToString(await openapiTS(document as never));
    expect(committed.slice(committed.indexOf('\n', committed.indexOf('Do not edit')) + 1)).toBe(generated);
  });

  it('lets a generated client publish a signed event and read the case back', async () => {
    const client = createClient<paths>({ baseUrl: hub.url });
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const event = await caseEvent(org.id, caseId, 'CaseOpened', { owner: org.id, citizen: 'cit-9d41e2', title: 'Through a generated client', openedAt: new Date().toISOString() });
    const bearer = async (roles: Parameters<TestOrganization['token']>[0]) => ({ authorization: `Bearer ${await org.token(roles)}` });

    // The directory learns the organization within its refresh interval (2 s).
    let published: Awaited<ReturnType<typeof publish>>;
    const publish = async () =>
      client.POST('/cases/{caseId}/events', {
        params: { path: { caseId }, header: { 'Passerelle-Signature': await org.sign(event) } },
        headers: await bearer(['publisher']),
        body: event,
      });
    for (let attempt = 0; ; attempt++) {
      published = await publish();
      if (published.response.status !== 401 || attempt > 100) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(published.response.status).toBe(201);
    expect(published.data).toMatchObject({ status: 'accepted', caseId, revision: 0 });

    const read = await client.GET('/cases/{caseId}', { params: { path: { caseId }, query: { minRevision: '0' } }, headers: await bearer(['subscriber']) });
    expect(read.response.status).toBe(200);
    const hash = published.data && 'hash' in published.data ? published.data.hash : undefined;
    expect(read.data).toMatchObject({ caseId, organization: org.id, owner: org.id, title: 'Through a generated client', revision: 0, hash });

    const refused = await client.GET('/cases/{caseId}', { params: { path: { caseId } } });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ code: 'TOKEN.MISSING' });
  }, 60_000);
});
