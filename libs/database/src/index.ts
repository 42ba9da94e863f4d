export { SQL_DATABASE, DatabaseError, toDatabaseError } from './sql-database.port';
export type { DatabaseErrorCode, QueryResult, SqlDatabase, SqlExecutor } from './sql-database.port';
export { PostgresDatabase, type PostgresOptions } from './postgres/postgres-database';
export { PgliteDatabase } from './pglite/pglite-database';
export { DatabaseModule, openDatabase, type DatabaseOptions } from './database.module';
export { identifyInstance, type InstanceInfo } from './instance';
export { applyMigrations } from './migrations';
export { Lease, LeaseLost, runUnderLease, type LeasedWork, type LeaseOptions, type UnderLeaseOptions } from './lease';
