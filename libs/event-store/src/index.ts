export { EVENT_STORE, STORED_EVENT_STORE } from './event-store.port';
export type {
  ActualRevision,
  AllFilter,
  AllSubscription,
  AppendOutcome,
  AppendResult,
  EventLocation,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  RecordedEventJson,
  StreamAppend,
  StreamHeadRecord,
  SubscribeToAllOptions,
} from './event-store.port';
export {
  DuplicateEventId,
  EventStoreError,
  StoreUnavailable,
  StreamNotFound,
  WrongExpectedRevision,
  type EventStoreErrorCode,
} from './event-store.errors';
export { GENESIS_HASH, chainHash, verifyChain, type ChainVerdict, type VerifyChainOptions } from './integrity/hash-chain';
export { SqlEventStore, type SqlEventStoreOptions } from './sql/sql-event-store';
export { EsdbEventStore, type EsdbEventStoreOptions } from './esdb/esdb-event-store';
export { EventStoreModule, openEventStore, type EventStoreOptions, type EventStoreView } from './event-store.module';
export { batchesOf } from './batches';
export { Checkpoints } from './sql/checkpoints';
export { followAll, PROJECTION_GATHER_MS, type Follower, type FollowOptions } from './follower';
