import { Global, Module } from '@nestjs/common';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { CitizenDirectory } from './citizen-directory';

/** One citizen directory per process, for every component that maps citizen ids (ledger, views, gateway, relay, federation). */
@Global()
@Module({ providers: [{ provide: CitizenDirectory, inject: [SQL_DATABASE], useFactory: (db: SqlDatabase) => CitizenDirectory.open(db) }], exports: [CitizenDirectory] })
export class CitizensModule {}
