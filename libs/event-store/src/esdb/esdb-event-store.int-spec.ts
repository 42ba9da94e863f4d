import { eventStoreContract } from '../event-store.contract';
import { EsdbEventStore } from './esdb-event-store';

// There is no EventStoreDB in the default test infrastructure: point EVENTSTORE_URL at one
// (e.g. esdb://localhost:2113?tls=false) to hold this adapter to the contract.
const url = process.env.EVENTSTORE_URL;

if (url) {
  // EventStoreDB keeps no index of ids across streams: that one check is the SQL store's alone.
  eventStoreContract('EventStoreDB', async () => EsdbEventStore.connect({ connectionString: url }), { uniqueIdsAcrossStreams: false, timeoutMs: 60_000 });
} else {
  process.stdout.write('EventStore contract: EventStoreDB skipped: set EVENTSTORE_URL (e.g. esdb://localhost:2113?tls=false) to run it\n');
  describe.skip('EventStore contract: EventStoreDB (set EVENTSTORE_URL to run)', () => {
    it('runs the contract against EventStoreDB', () => undefined);
  });
}
