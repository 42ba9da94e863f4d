import { defaultSchemasDir, EventValidator, readSchemaDirectory } from '@passerelle/contracts';

let cached: Promise<EventValidator> | undefined;

/** The repository's schemas/, compiled once per command. */
export function localValidator(): Promise<EventValidator> {
  cached ??= readSchemaDirectory(defaultSchemasDir()).then((entries) => new EventValidator(entries));
  return cached;
}
