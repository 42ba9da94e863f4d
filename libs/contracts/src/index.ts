export {
  CatalogError,
  CLASSIFICATIONS,
  defaultSchemasDir,
  projectRoot,
  projectVersion,
  describeSchema,
  readSchemaDirectory,
  type CatalogEntry,
  type Classification,
  type SchemaDocument,
} from './catalog/schema-catalog';
export { inlineCatalogRefs } from './catalog/inline-refs';
export { DIALECT_META_ID, metaSchemas, SHARING_VOCABULARY, SHARING_VOCABULARY_META_ID, type MetaSchemas } from './catalog/meta-schemas';
export {
  checkCompatibility,
  COMPATIBILITY_MODES,
  readableBy,
  type CompatibilityMode,
  type Incompatibility,
  type JsonSchema,
} from './compatibility/compatibility';
export { eventTypeOf, parseEventType, parseSchemaId, schemaIdOf, type SchemaRef } from './catalog/schema-id';
export {
  CHANNELS,
  CLOUDEVENTS_CLASSIFICATION,
  COMMIT_ATTRIBUTES,
  organizationOf,
  V2_COMMIT_ATTRIBUTES,
  sourceOf,
  type CaseEventEnvelope,
  type Channel,
} from './envelope/envelope';
export {
  caseIdKey,
  fromKafkaMessage,
  partitionKeyKey,
  toKafkaMessage,
  STRUCTURED_CONTENT_TYPE,
  type KeyMapper,
  type ToKafkaOptions,
} from './envelope/kafka-binding';
export {
  DEFAULT_MAX_ENVELOPE_BYTES,
  ENVELOPE_SCHEMA_ID,
  EventValidator,
  isRfc3339DateTime,
  validatorFor,
  type ValidateOptions,
  type ValidationFailureCode,
  type ValidationResult,
} from './validation/event-validator';
export { valueAt, type ValidationIssue } from './validation/issues';
export type { CaseEventDataByType, CaseEventType } from './generated/case-events';
export { asyncApiYaml, buildAsyncApi } from './asyncapi/asyncapi-document';
export { addressChangedV1ToV2, serviceRequestedV1ToV2, upcast, upcastEnvelope, UPCASTERS, type CommittedEnvelopeV2, type Upcaster } from './upcasting/upcasters';
export { EXCHANGE_HEADERS, inboundTopic, outboundTopic, parseTopic, receiptsTopic, type TopicKind } from './exchange/topics';
export { HUB_ADMIN_PRINCIPAL, hubPrincipal, hubServiceAccess, managedByHub, organizationAccess } from './exchange/kafka-access';
export type { AcceptedReceipt, Receipt, ReceiptError, RejectedReceipt } from './exchange/receipt';
export { ACCESS_DENIED, ACCESS_STREAM_PREFIX, accessStreamId, CASE_VIEWED, denialStatusOf, type AccessDenial, type CaseRead } from './exchange/access-log';
export { DEFAULT_PURPOSE, isPurpose, parsePurposeHeader, PURPOSE_CODES, PURPOSES, type Purpose, type PurposeStatement, type StatedPurpose } from './exchange/purposes';
export { ENTITLEMENT_EVENT_TYPES, evolveEntitlement, initialEntitlement, purposeRefusal, purposesServed, type ReadEntitlement } from './exchange/read-entitlement';
export { openSchemaTables, readRegisteredSchemas, RegisteredValidator } from './registry/registered-schemas';
export {
  CASE_STREAM_PREFIX,
  caseEventMetadata,
  caseStreamId,
  committedEnvelope,
  storedEventId,
  type CaseEventMetadata,
  type StoredCaseEvent,
} from './exchange/case-record';
export { MAX_JSON_DEPTH, parseStrictJson } from './envelope/strict-json';
