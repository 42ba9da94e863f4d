import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { grantHubServices, testDatabaseUrl, testKafkaEnv } from '@passerelle/testing';
import { listeningUrl, spawnTarget, terminate } from './support/target-process';

const APPS = ['gateway', 'ledger', 'relay', 'views', 'audit', 'schemas', 'federation', 'insights'];

describe('the hub in embedded mode (npm start)', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'passerelle-hub-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves readiness on PGlite and the in-process bus, stops on SIGTERM, and keeps its data across a restart', async () => {
    const env = { PASSERELLE_DATA_DIR: dataDir };
    const first = spawnTarget('hub', env);
    const url = await listeningUrl(first);

    const ready = await fetch(`${url}/health/ready`);
    const body = (await ready.json()) as { status: string; info: Record<string, { status: string }> };
    const live = await fetch(`${url}/health/live`);
    const instance = first.logs.find((l) => l.instance)?.instance;

    expect(ready.status).toBe(200);
    expect(body.info).toMatchObject({ database: { status: 'up', database: 'pglite' }, bus: { status: 'up', bus: 'memory' } });
    expect(live.status).toBe(200);
    expect(await terminate(first)).toBe(0);
    expect(first.logs.every((l) => typeof l.level === 'string' && l.service === 'hub' && typeof l.time === 'string')).toBe(true);
    expect(first.logs.at(-1)).toMatchObject({ msg: 'hub stopped' });

    const second = spawnTarget('hub', env);
    await listeningUrl(second);
    const again = second.logs.find((l) => l.instance)?.instance;
    expect(await terminate(second)).toBe(0);

    expect(instance).toMatch(/^[0-9a-f-]{36}$/);
    expect(again).toBe(instance);
  }, 90_000);

  it('refuses a taken port with one line naming it, and exits 1', async () => {
    const server: Server = createServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as { port: number }).port;
    try {
      const hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: dataDir, PORT: String(port) });
      expect(await hub.exited).toBe(1);
      expect(hub.stderr()).toBe(
        `passerelle hub: cannot start: port ${port} on 127.0.0.1 is already in use: stop what holds it, or set PORT to a free port\n`,
      );
    } finally {
      server.close();
    }
  }, 60_000);

  it('refuses an unknown target with the list of known ones', async () => {
    const hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: dataDir, PASSERELLE_TARGET: 'ledger,billing' });
    expect(await hub.exited).toBe(1);
    expect(hub.stderr()).toMatch(/^passerelle hub: cannot start: PASSERELLE_TARGET names "billing", which is not a component: use all, or some of federation, schemas, ledger, relay, views, gateway, audit, insights\n$/);
  });
});

describe('each app as its own process on Kafka and PostgreSQL', () => {
  // What the federation target grants at its start: each service's own rights, no more.
  beforeAll(() => grantHubServices('passerelle'), 60_000);

  it.each(APPS)('%s becomes ready with its dependencies up and exits 0 on SIGTERM', async (app) => {
    const target = spawnTarget(app, { ...testKafkaEnv(), DATABASE_URL: testDatabaseUrl() });
    const url = await listeningUrl(target);

    const ready = await fetch(`${url}/health/ready`);
    const body = (await ready.json()) as { info: Record<string, { status: string }> };

    expect(ready.status).toBe(200);
    for (const check of Object.values(body.info)) expect(check.status).toBe('up');
    expect(Object.keys(body.info).length).toBeGreaterThan(0);
    expect(await terminate(target)).toBe(0);
  }, 60_000);

  it('reports not ready (503, naming the bus) while Kafka does not answer, yet stays live', async () => {
    const target = spawnTarget('ledger', { ...testKafkaEnv(), KAFKA_BROKERS: '127.0.0.1:1', DATABASE_URL: testDatabaseUrl() });
    const url = await listeningUrl(target);

    const ready = await fetch(`${url}/health/ready`);
    const body = (await ready.json()) as { status: string; error: Record<string, unknown>; info: Record<string, unknown> };
    const live = await fetch(`${url}/health/live`);

    expect(ready.status).toBe(503);
    expect(Object.keys(body.error)).toEqual(['bus']);
    expect(body.info).toHaveProperty('database');
    expect(live.status).toBe(200);
    expect(await terminate(target)).toBe(0);
  }, 60_000);

  it('fails fast with one line when PostgreSQL does not answer', async () => {
    const target = spawnTarget('audit', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/passerelle' });
    expect(await target.exited).toBe(1);
    expect(target.stderr()).toMatch(
      /^passerelle audit: cannot start: PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/passerelle did not answer \(ECONNREFUSED\): start it, or set DATABASE_URL to a server that runs\n$/,
    );
  }, 120_000);

  it('refuses to run a bus-using app alone on the in-process bus', async () => {
    const target = spawnTarget('relay', { DATABASE_URL: testDatabaseUrl() });
    expect(await target.exited).toBe(1);
    expect(target.stderr()).toMatch(/^passerelle relay: cannot start: the relay target runs alone, so it needs KAFKA_BROKERS/);
  });
});
