import { testDatabaseUrl } from '@passerelle/testing';
import { sqlDatabaseContract } from '../database.contract';
import { PostgresDatabase } from './postgres-database';

sqlDatabaseContract('postgres', () => PostgresDatabase.open({ url: testDatabaseUrl() }));

describe('PostgresDatabase', () => {
  it('says which server did not answer and how to fix it, without the password', async () => {
    await expect(PostgresDatabase.open({ url: 'postgres://someone:s3cret@127.0.0.1:1/nowhere' })).rejects.toMatchObject({
      code: 'DATABASE.UNAVAILABLE',
      message: expect.stringMatching(/^PostgreSQL at postgres:\/\/someone@127\.0\.0\.1:1\/nowhere did not answer \(ECONNREFUSED\): start it, or set DATABASE_URL/),
    });
    await expect(PostgresDatabase.open({ url: 'postgres://someone:s3cret@127.0.0.1:1/nowhere' })).rejects.not.toThrow(/s3cret/);
  });
});
