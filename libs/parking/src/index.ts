export { ParkingLot, type ParkedError, type ParkedMessage, type ParkedSource, type ParkedStatus, type ParkRequest } from './parking-lot';
export { BatchUnavailable, PoisonGuard, describeError, isRetriable, type ParkedDescription, type PoisonGuardOptions } from './poison-guard';
export { describeKafkaMessage, describeStoreEvent, restoreKafkaMessage, restoreStoreEvent } from './sources';
