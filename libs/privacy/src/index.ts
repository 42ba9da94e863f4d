// @passerelle/privacy: crypto-shredding. Personal fields sealed at ingest with a per-citizen
// data key, the key wrapped by a key-encryption key, erasure by destroying the key.
export { PrivacyError, type PrivacyErrorCode } from './privacy.errors';
export { DATA_KEY_BYTES, ERASED, isErased, isSealed, newDataKey, openValue, sealValue, unwrapKey, wrapKey, type ErasedValue, type SealedValue } from './field-cipher';
export { KEY_PROVIDER, type KeyProvider } from './key-provider.port';
export { LocalKeyFile } from './local/local-key-file';
export { CitizenKeys, type CitizenKey, type ErasureRequest } from './citizen-keys';
export { eraseFields, fieldAad, openFields, personalFields, sealFields, UNREADABLE } from './personal-fields';
export { PersonalData, personalMetadataOf, type PersonalMetadata, type SealedEventLike } from './personal-data';
export { OpeningEventStore } from './opening-event-store';
export { CITIZEN_DATA_ERASED, ERASURE_STREAM_PREFIX, Eraser, erasureNoticesOf, erasureStreamId, type CitizenDataErased, type ErasureNotice } from './eraser';
export { ERASER, openPersonalData, PERSONAL_DATA, PrivacyModule, type PrivacyOptions } from './privacy.module';
