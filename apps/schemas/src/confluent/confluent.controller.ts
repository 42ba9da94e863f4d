import { Body, type CallHandler, Controller, type ExecutionContext, Get, HttpCode, Injectable, type NestInterceptor, Param, Post, Put, Query, UseFilters, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parseSchemaId, parseStrictJson, type CatalogEntry } from '@passerelle/contracts';
import { RequireRole } from '@passerelle/platform';
import type { Response } from 'express';
import type { Observable } from 'rxjs';
import { DEFAULT_MODE, SchemaRegistry } from '../registry/schema-registry';
import { RegistryError } from '../registry/registry-error';
import { ConfluentErrorFilter } from './confluent-error.filter';
import { SCHEMA_REGISTRY_RESPONSE_TYPE } from './registry-media-types';

/** Answers in the Confluent registry's media type (set before the handler, so errors keep it too). */
@Injectable()
class SchemaRegistryResponseType implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    context.switchToHttp().getResponse<Response>().type(SCHEMA_REGISTRY_RESPONSE_TYPE);
    return next.handle();
  }
}

/** The body of a register, lookup or compatibility request. */
interface SchemaRequest {
  schema?: unknown;
  schemaType?: unknown;
  references?: unknown;
}

const SCHEMA_REQUEST = {
  type: 'object',
  required: ['schema'],
  properties: {
    schema: { type: 'string', description: 'The JSON Schema document, as a JSON string' },
    schemaType: { type: 'string', enum: ['JSON'], description: 'Must be JSON: this registry holds JSON Schemas only' },
    references: { type: 'array', items: { type: 'object' }, description: 'Accepted and ignored: $refs resolve within the registry' },
  },
};
const SCHEMA_ANSWER = {
  type: 'object',
  properties: {
    subject: { type: 'string' },
    id: { type: 'integer' },
    version: { type: 'integer' },
    schemaType: { type: 'string', enum: ['JSON'] },
    schema: { type: 'string' },
    references: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, subject: { type: 'string' }, version: { type: 'integer' } } } },
  },
};
const CONFLUENT_ERROR = { type: 'object', properties: { error_code: { type: 'integer' }, message: { type: 'string' } } };

/**
 * The Confluent Schema Registry REST API over the same registry, for JSON Schema: what
 * Kafka tooling (serializers, the Confluent CLI, @kafkajs/confluent-schema-registry…) speaks.
 * Reading is open, as on the native routes; registering and setting a mode need an
 * integrator or operator token. See docs/contracts.md for what differs from Confluent's.
 */
@ApiTags('schema registry (Confluent-compatible)')
@Controller('ccompat')
@UseFilters(ConfluentErrorFilter)
@UseInterceptors(SchemaRegistryResponseType)
export class ConfluentController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Get('schemas/types')
  @ApiOperation({ summary: 'The schema types this registry holds: JSON only' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'string' } } })
  types() {
    return ['JSON'];
  }

  @Get('schemas/ids/:id')
  @ApiOperation({ summary: 'The schema with this id' })
  @ApiOkResponse({ schema: { type: 'object', properties: { schemaType: { type: 'string' }, schema: { type: 'string' }, references: SCHEMA_ANSWER.properties.references } } })
  @ApiResponse({ status: 404, description: '40403: no schema has this id', schema: CONFLUENT_ERROR })
  schemaById(@Param('id') id: string) {
    const { entry } = this.registry.byRegistryId(this.idParam(id));
    const { subject: _subject, id: _id, version: _version, ...rest } = this.describe(entry);
    return rest;
  }

  @Get('schemas/ids/:id/versions')
  @ApiOperation({ summary: 'The subject and version that hold the schema with this id' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'object', properties: { subject: { type: 'string' }, version: { type: 'integer' } } } } })
  @ApiResponse({ status: 404, description: '40403: no schema has this id', schema: CONFLUENT_ERROR })
  versionsById(@Param('id') id: string) {
    const { entry } = this.registry.byRegistryId(this.idParam(id));
    return [{ subject: entry.subject, version: entry.version }];
  }

  @Get('subjects')
  @ApiOperation({ summary: 'Every subject’s name' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'string' } } })
  async subjects() {
    return (await this.registry.listSubjects()).map((s) => s.subject);
  }

  @Get('subjects/:subject/versions')
  @ApiOperation({ summary: 'The versions of a subject' })
  @ApiOkResponse({ schema: { type: 'array', items: { type: 'integer' } } })
  @ApiResponse({ status: 404, description: '40401: no such subject', schema: CONFLUENT_ERROR })
  versions(@Param('subject') subject: string) {
    return this.registry.versions(subject);
  }

  @Get('subjects/:subject/versions/:version')
  @ApiOperation({ summary: 'One version of a subject: its id and schema (version: a number, latest or -1)' })
  @ApiOkResponse({ schema: SCHEMA_ANSWER })
  @ApiResponse({ status: 404, description: '40401: no such subject; 40402: no such version', schema: CONFLUENT_ERROR })
  @ApiResponse({ status: 422, description: '42202: not a version number', schema: CONFLUENT_ERROR })
  version(@Param('subject') subject: string, @Param('version') version: string) {
    return this.describe(this.entry(subject, this.versionParam(version)));
  }

  @Get('subjects/:subject/versions/:version/schema')
  @ApiOperation({ summary: 'One version’s schema document alone' })
  @ApiOkResponse({ schema: { type: 'object' } })
  @ApiResponse({ status: 404, description: '40401: no such subject; 40402: no such version', schema: CONFLUENT_ERROR })
  versionSchema(@Param('subject') subject: string, @Param('version') version: string) {
    return this.entry(subject, this.versionParam(version)).schema;
  }

  @Post('subjects/:subject/versions')
  @HttpCode(200)
  @RequireRole('integrator', 'operator')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Register a schema under a subject, or get the id it already has; refused if it breaks the subject’s mode' })
  @ApiBody({ schema: SCHEMA_REQUEST })
  @ApiOkResponse({ schema: { type: 'object', properties: { id: { type: 'integer' } } } })
  @ApiResponse({ status: 409, description: '409: incompatible with the subject’s versions under its mode', schema: CONFLUENT_ERROR })
  @ApiResponse({ status: 422, description: '42201: not a usable JSON Schema (not JSON, not schemaType JSON, $id not naming the next version…)', schema: CONFLUENT_ERROR })
  async register(@Param('subject') subject: string, @Body() body: SchemaRequest) {
    const schema = this.schemaOf(body);
    const existing = this.findIn(subject, schema);
    if (existing) return { id: this.registry.registryIdOf(existing.subject, existing.version) };
    return { id: (await this.registry.register(subject, schema)).registryId };
  }

  @Post('subjects/:subject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Whether a schema is registered under a subject, and as which version and id' })
  @ApiBody({ schema: SCHEMA_REQUEST })
  @ApiOkResponse({ schema: SCHEMA_ANSWER })
  @ApiResponse({ status: 404, description: '40401: no such subject; 40403: the schema is not registered under it', schema: CONFLUENT_ERROR })
  lookup(@Param('subject') subject: string, @Body() body: SchemaRequest) {
    const schema = this.schemaOf(body);
    const existing = this.findIn(subject, schema, true);
    if (!existing) throw new RegistryError('SCHEMA.NOT_REGISTERED', `this schema is not registered under ${subject}`);
    return this.describe(existing);
  }

  @Post('compatibility/subjects/:subject/versions/:version')
  @HttpCode(200)
  @ApiOperation({ summary: 'Whether a schema is compatible with one version (or latest) under the subject’s mode; registers nothing' })
  @ApiBody({ schema: SCHEMA_REQUEST })
  @ApiQuery({ name: 'verbose', required: false, description: 'true: say why not, in messages' })
  @ApiOkResponse({ schema: { type: 'object', properties: { is_compatible: { type: 'boolean' }, messages: { type: 'array', items: { type: 'string' } } } } })
  @ApiResponse({ status: 404, description: '40401: no such subject; 40402: no such version', schema: CONFLUENT_ERROR })
  async compatibleWithVersion(@Param('subject') subject: string, @Param('version') version: string, @Body() body: SchemaRequest, @Query('verbose') verbose?: string) {
    const result = await this.registry.checkAgainstVersion(subject, this.schemaOf(body), this.versionParam(version));
    return this.compatibility(result, verbose);
  }

  @Post('compatibility/subjects/:subject/versions')
  @HttpCode(200)
  @ApiOperation({ summary: 'Whether a schema is compatible with the subject’s versions under its mode (transitive modes: all of them)' })
  @ApiBody({ schema: SCHEMA_REQUEST })
  @ApiQuery({ name: 'verbose', required: false, description: 'true: say why not, in messages' })
  @ApiOkResponse({ schema: { type: 'object', properties: { is_compatible: { type: 'boolean' }, messages: { type: 'array', items: { type: 'string' } } } } })
  @ApiResponse({ status: 404, description: '40401: no such subject', schema: CONFLUENT_ERROR })
  async compatibleWithAll(@Param('subject') subject: string, @Body() body: SchemaRequest, @Query('verbose') verbose?: string) {
    return this.compatibility(await this.registry.checkCandidate(subject, this.schemaOf(body)), verbose);
  }

  @Get('config')
  @ApiOperation({ summary: 'The default compatibility mode of new subjects' })
  @ApiOkResponse({ schema: { type: 'object', properties: { compatibilityLevel: { type: 'string' } } } })
  defaultConfig() {
    return { compatibilityLevel: DEFAULT_MODE };
  }

  @Get('config/:subject')
  @ApiOperation({ summary: 'A subject’s compatibility mode' })
  @ApiOkResponse({ schema: { type: 'object', properties: { compatibilityLevel: { type: 'string' } } } })
  @ApiResponse({ status: 404, description: '40401: no such subject', schema: CONFLUENT_ERROR })
  async config(@Param('subject') subject: string) {
    return { compatibilityLevel: await this.registry.mode(subject) };
  }

  @Put('config/:subject')
  @RequireRole('integrator', 'operator')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Set a subject’s compatibility mode: NONE, BACKWARD, FORWARD, FULL, or a *_TRANSITIVE variant' })
  @ApiBody({ schema: { type: 'object', required: ['compatibility'], properties: { compatibility: { type: 'string' } } } })
  @ApiOkResponse({ schema: { type: 'object', properties: { compatibility: { type: 'string' } } } })
  @ApiResponse({ status: 404, description: '40401: no such subject', schema: CONFLUENT_ERROR })
  @ApiResponse({ status: 422, description: '42203: not a compatibility mode', schema: CONFLUENT_ERROR })
  async setConfig(@Param('subject') subject: string, @Body() body: { compatibility?: unknown }) {
    return { compatibility: await this.registry.setMode(subject, String(body?.compatibility)) };
  }

  @Get('mode')
  @ApiOperation({ summary: 'The registry’s mode: always READWRITE' })
  @ApiOkResponse({ schema: { type: 'object', properties: { mode: { type: 'string' } } } })
  mode() {
    return { mode: 'READWRITE' };
  }

  private compatibility(result: { compatible: boolean; incompatibilities: Array<{ path: string; reason: string; direction: string }> }, verbose?: string) {
    if (verbose !== 'true') return { is_compatible: result.compatible };
    return { is_compatible: result.compatible, messages: result.incompatibilities.map((i) => `${i.direction}: ${i.path || '/'}: ${i.reason}`) };
  }

  /** A version of `subject` holding exactly `schema`; with `strict`, a missing subject is an error. */
  private findIn(subject: string, schema: unknown, strict = false): CatalogEntry | undefined {
    try {
      return this.registry.find(subject, schema);
    } catch (err) {
      if (!strict && err instanceof RegistryError && err.code === 'SCHEMA.SUBJECT_NOT_FOUND') return undefined;
      throw err;
    }
  }

  private entry(subject: string, version: number | 'latest'): CatalogEntry {
    const schema = this.registry.get(subject, version);
    const ref = parseSchemaId(String(schema.$id))!;
    return { ...ref, id: String(schema.$id), schema };
  }

  private describe(entry: CatalogEntry) {
    const references = catalogReferences(entry.schema);
    return {
      subject: entry.subject,
      version: entry.version,
      id: this.registry.registryIdOf(entry.subject, entry.version),
      schemaType: 'JSON',
      schema: JSON.stringify(entry.schema),
      ...(references.length > 0 ? { references } : {}),
    };
  }

  private schemaOf(body: SchemaRequest): unknown {
    if (typeof body !== 'object' || body === null || typeof body.schema !== 'string') {
      throw new RegistryError('SCHEMA.INVALID_DOCUMENT', 'the body must be {"schema": "<the JSON Schema, as a string>", "schemaType": "JSON"}');
    }
    if (body.schemaType !== 'JSON') {
      const given = body.schemaType === undefined ? 'no schemaType (which means AVRO)' : `schemaType ${JSON.stringify(body.schemaType)}`;
      throw new RegistryError('SCHEMA.INVALID_DOCUMENT', `${given}: this registry holds JSON Schemas only, send "schemaType": "JSON"`);
    }
    const parsed = parseStrictJson(body.schema);
    if ('error' in parsed) throw new RegistryError('SCHEMA.INVALID_DOCUMENT', `the schema is not valid JSON: ${parsed.error}`);
    return parsed.value;
  }

  private versionParam(raw: string): number | 'latest' {
    if (raw === 'latest' || raw === '-1') return 'latest';
    if (/^[1-9]\d{0,8}$/.test(raw)) return Number(raw);
    throw new RegistryError('SCHEMA.INVALID_VERSION', `${JSON.stringify(raw.slice(0, 40))} is not a version: use a number from 1, latest or -1`);
  }

  private idParam(raw: string): number {
    if (!/^[1-9]\d{0,8}$/.test(raw)) throw new RegistryError('SCHEMA.ID_NOT_FOUND', `no schema has the id ${JSON.stringify(raw.slice(0, 40))}`);
    return Number(raw);
  }
}

/**
 * The registry documents a schema refers to (`urn:passerelle:schema:common:v1#/...`), as
 * Confluent references: a client loads them before compiling the schema.
 */
function catalogReferences(schema: unknown): Array<{ name: string; subject: string; version: number }> {
  const found = new Map<string, { name: string; subject: string; version: number }>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && !value.startsWith('#')) {
        const name = value.split('#')[0]!;
        const ref = parseSchemaId(name);
        if (ref) found.set(name, { name, subject: ref.subject, version: ref.version });
      } else visit(value);
    }
  };
  visit(schema);
  return [...found.values()];
}
