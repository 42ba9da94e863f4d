import { Global, Inject, Logger, Module, type DynamicModule, type OnApplicationBootstrap } from '@nestjs/common';
import { CitizenDirectory } from '@passerelle/citizens';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { STORED_EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { CitizenKeys } from './citizen-keys';
import { Eraser } from './eraser';
import { LocalKeyFile } from './local/local-key-file';
import { PersonalData } from './personal-data';

export const PERSONAL_DATA = Symbol('PERSONAL_DATA');
export const ERASER = Symbol('ERASER');

export interface PrivacyOptions {
  /** The local KEK file, or `memory` for a store that lives in memory too. */
  kekFile: string | 'memory';
}

/**
 * The start-up of the privacy keys: the KEK file is read, or created when the database has
 * never recorded a KEK; PRIVACY.KEK_MISSING when it did and the file is gone, PRIVACY.KEK_WRONG
 * when the file holds another key.
 */
export async function openPersonalData(db: SqlDatabase, kekFile: string | 'memory'): Promise<PersonalData> {
  const provider = kekFile === 'memory' ? LocalKeyFile.ephemeral() : await LocalKeyFile.open(kekFile, { mayCreate: (await CitizenKeys.recordedKek(db)) === undefined });
  if (provider.created) new Logger('Privacy').log({ kek: provider.kekId, file: provider.location }, 'created the key-encryption key of citizens’ data keys');
  return new PersonalData(await CitizenKeys.open(db, provider));
}

/** On start: erasures a crash left half-done are completed before anything is served. */
class PendingErasures implements OnApplicationBootstrap {
  private readonly logger = new Logger('Privacy');
  constructor(@Inject(ERASER) private readonly eraser: Eraser) {}
  async onApplicationBootstrap(): Promise<void> {
    const completed = await this.eraser.completePending();
    if (completed > 0) this.logger.warn({ completed }, `completed ${completed} erasure(s) a stop had interrupted`);
  }
}

/**
 * Binds PERSONAL_DATA (sealing and opening personal fields with citizens' data keys) and
 * ERASER for the whole application. The KEK comes from a local file, created on first start
 * only: a database that already recorded a KEK refuses to start without it (or with another).
 */
@Global()
@Module({})
export class PrivacyModule {
  static forRoot(options: PrivacyOptions): DynamicModule {
    return {
      module: PrivacyModule,
      providers: [
        {
          provide: PERSONAL_DATA,
          inject: [SQL_DATABASE],
          useFactory: (db: SqlDatabase) => openPersonalData(db, options.kekFile),
        },
        {
          provide: ERASER,
          inject: [PERSONAL_DATA, STORED_EVENT_STORE, { token: CitizenDirectory, optional: true }],
          useFactory: (personal: PersonalData, store: EventStore, citizens?: CitizenDirectory) => new Eraser(personal.keys, store, undefined, citizens && ((citizen) => citizens.casesOf(citizen))),
        },
        PendingErasures,
      ],
      exports: [PERSONAL_DATA, ERASER],
    };
  }
}
