import { randomBytes } from 'node:crypto';
import { PostgresDatabase } from '@passerelle/database';
import { dockerAvailable } from './docker';
import { MissingPrerequisite } from './prerequisite';

export interface ProvidedPostgres {
  /** A database created for this run. */
  url: string;
  description: string;
  stop(): Promise<void>;
}

const LOCAL_SERVER = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh database for this run on the server of DATABASE_URL (default: the local server with
 * trust auth); if nothing answers there and Docker does, on a PostgreSQL container.
 */
export async function providePostgres(): Promise<ProvidedPostgres> {
  const serverUrl = process.env.DATABASE_URL ?? LOCAL_SERVER;
  const reason = await unreachable(serverUrl);
  if (!reason) return createDatabase(serverUrl, `PostgreSQL at ${redact(serverUrl)}`, async () => {});
  if (!process.env.DATABASE_URL && (await dockerAvailable())) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:16-alpine').start();
    return createDatabase(container.getConnectionUri(), 'postgres:16-alpine (testcontainers)', async () => {
      await container.stop();
    });
  }
  throw new MissingPrerequisite(
    `no PostgreSQL for the tests: ${redact(serverUrl)} does not answer (${reason}); start PostgreSQL (apt-get install postgresql) or set DATABASE_URL to a server where this user may create databases`,
  );
}

async function createDatabase(serverUrl: string, description: string, stopServer: () => Promise<void>): Promise<ProvidedPostgres> {
  const name = `passerelle_test_${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${randomBytes(3).toString('hex')}`;
  await withClient(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    description: `${description}, database ${name}`,
    stop: async () => {
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      await stopServer();
    },
  };
}

async function unreachable(url: string): Promise<string | null> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'));
    return null;
  } catch (err) {
    return (err as { vendorCode?: string }).vendorCode ?? (err as Error).message;
  }
}

async function withClient<T>(url: string, fn: (client: PostgresDatabase) => Promise<T>): Promise<T> {
  const client = await PostgresDatabase.open({ url, max: 1 });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function redact(url: string): string {
  const u = new URL(url);
  u.password = '';
  return u.toString();
}
