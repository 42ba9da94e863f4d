import { PostgresDatabase } from '@passerelle/database';
import { provideKafka, providePostgres, type ProvidedKafka, type ProvidedPostgres } from '@passerelle/testing';
import { randomBytes } from 'node:crypto';

/**
 * The real broker and PostgreSQL, brought up the way `npm test` does (KAFKA_BROKERS and
 * DATABASE_URL are honoured), once for the whole run and only if a benchmark needs them.
 */
export class Infrastructure {
  private kafka: Promise<ProvidedKafka> | undefined;
  private postgres: Promise<ProvidedPostgres> | undefined;
  private readonly scratch: string[] = [];

  /** The secured broker (SASL_SSL, OAUTHBEARER, ACLs), as the hub runs on it. */
  async kafkaBroker(): Promise<ProvidedKafka> {
    this.kafka ??= provideKafka();
    return this.kafka;
  }

  async kafkaDescription(): Promise<string> {
    return this.kafka ? (await this.kafka).description : 'not used';
  }

  async postgresDescription(): Promise<string> {
    if (!this.postgres) return 'not used';
    const db = await PostgresDatabase.open({ url: (await this.postgres).url });
    try {
      const { rows } = await db.query<{ version: string }>("SELECT current_setting('server_version') AS version");
      return `PostgreSQL ${rows[0]!.version}`;
    } finally {
      await db.close();
    }
  }

  /** A fresh database of its own for one benchmark. */
  async database(): Promise<string> {
    this.postgres ??= providePostgres();
    const run = new URL((await this.postgres).url);
    const name = `${run.pathname.slice(1)}_${randomBytes(3).toString('hex')}`;
    const admin = await PostgresDatabase.open({ url: run.toString() });
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.close();
    }
    this.scratch.push(name);
    const url = new URL(run);
    url.pathname = `/${name}`;
    return url.toString();
  }

  async stop(): Promise<void> {
    if (this.postgres) {
      const run = await this.postgres;
      const admin = await PostgresDatabase.open({ url: run.url });
      try {
        for (const name of this.scratch) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.close();
      }
    }
    await Promise.allSettled([this.kafka?.then((k) => k.stop()), this.postgres?.then((p) => p.stop())]);
  }
}
