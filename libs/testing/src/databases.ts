import { randomBytes } from 'node:crypto';
import { PostgresDatabase } from '@passerelle/database';
import { testDatabaseUrl } from './environment';

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A database of its own for a test that runs a whole hub (its federation, its event store,
 * its consumers), on the run's server, so hubs of different test files never see each other.
 */
export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const runUrl = new URL(testDatabaseUrl());
  const name = `${runUrl.pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
  const admin = await PostgresDatabase.open({ url: runUrl.toString() });
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
  const url = new URL(runUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const db = await PostgresDatabase.open({ url: runUrl.toString() });
      try {
        await db.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await db.close();
      }
    },
  };
}
