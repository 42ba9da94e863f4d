import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { PgliteDatabase } from './pglite/pglite-database';
import { PostgresDatabase } from './postgres/postgres-database';
import { SQL_DATABASE, type SqlDatabase } from './sql-database.port';

export type DatabaseOptions = { kind: 'pglite'; dataDir?: string } | { kind: 'postgres'; url: string; applicationName?: string };

export async function openDatabase(options: DatabaseOptions): Promise<SqlDatabase> {
  switch (options.kind) {
    case 'pglite':
      return PgliteDatabase.open(options.dataDir);
    case 'postgres':
      return PostgresDatabase.open(options);
    default: {
      const unknown: never = options;
      throw new Error(`Unknown database ${JSON.stringify(unknown)}`);
    }
  }
}

class DatabaseCloser implements OnApplicationShutdown {
  constructor(@Inject(SQL_DATABASE) private readonly db: SqlDatabase) {}
  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

/** Binds SQL_DATABASE for the whole application, opened at start and closed on shutdown. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [{ provide: SQL_DATABASE, useFactory: () => openDatabase(options) }, DatabaseCloser],
      exports: [SQL_DATABASE],
    };
  }
}
