/**
 * What the Confluent-compatible routes answer with, as the Confluent registry does. Its
 * request types (application/vnd.schemaregistry.v1+json, …) are accepted and parsed with the
 * hub's other JSON types: SCHEMA_REGISTRY_MEDIA_TYPES in @passerelle/platform.
 */
export const SCHEMA_REGISTRY_RESPONSE_TYPE = 'application/vnd.schemaregistry.v1+json';
