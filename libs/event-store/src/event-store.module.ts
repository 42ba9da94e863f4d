import { Global, Inject, Module, type DynamicModule, type InjectionToken, type OnApplicationShutdown } from '@nestjs/common';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store';
import { EVENT_STORE, STORED_EVENT_STORE, type EventStore } from './event-store.port';
import { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store';

/** `sql` stores events in the application's SqlDatabase (PostgreSQL or PGlite); `esdb` in EventStoreDB. */
export type EventStoreOptions = ({ kind: 'sql' } & Omit<SqlEventStoreOptions, 'ownsDatabase'>) | ({ kind: 'esdb' } & EsdbEventStoreOptions);

export async function openEventStore(options: EventStoreOptions, db?: SqlDatabase): Promise<EventStore> {
  switch (options.kind) {
    case 'sql': {
      if (!db) throw new Error('the sql event store needs the SqlDatabase (DatabaseModule)');
      const { kind: _kind, ...sqlOptions } = options;
      return SqlEventStore.open(db, sqlOptions);
    }
    case 'esdb': {
      const { kind: _kind, ...esdbOptions } = options;
      return EsdbEventStore.connect(esdbOptions);
    }
    default: {
      const unknown: never = options;
      throw new Error(`Unknown event store ${JSON.stringify(unknown)}`);
    }
  }
}

class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(STORED_EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Binds EVENT_STORE for the whole application and closes it on shutdown. The sql kind uses
 * SQL_DATABASE (DatabaseModule), which it does not close: the database module owns it.
 */
/**
 * How the application's readers see the store: EVENT_STORE is `wrap(store, ...deps)`, while
 * STORED_EVENT_STORE stays the store itself (for auditors, who check what is stored).
 */
export interface EventStoreView {
  inject: InjectionToken[];
  wrap(store: EventStore, ...deps: never[]): EventStore;
}

/**
 * Binds EVENT_STORE (and STORED_EVENT_STORE, the store as it is) for the whole application and
 * closes it on shutdown. The sql kind uses SQL_DATABASE (DatabaseModule), which it does not
 * close: the database module owns it.
 */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreOptions, view?: EventStoreView): DynamicModule {
    return {
      module: EventStoreModule,
      providers: [
        {
          provide: STORED_EVENT_STORE,
          inject: options.kind === 'sql' ? [SQL_DATABASE] : [],
          useFactory: (db?: SqlDatabase) => openEventStore(options, db),
        },
        view
          ? { provide: EVENT_STORE, inject: [STORED_EVENT_STORE, ...view.inject], useFactory: (store: EventStore, ...deps: never[]) => view.wrap(store, ...deps) }
          : { provide: EVENT_STORE, useExisting: STORED_EVENT_STORE },
        EventStoreCloser,
      ],
      exports: [EVENT_STORE, STORED_EVENT_STORE],
    };
  }
}
