import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Put, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequireRole } from '@passerelle/platform';
import { SchemaRegistry } from '../registry/schema-registry';
import { RegistryErrorFilter } from './registry-error.filter';

/** Reading and checking schemas is open (they are the public contract); changing them takes an integrator or operator token. */
@ApiTags('schema registry')
@Controller('subjects')
@UseFilters(RegistryErrorFilter)
export class SubjectsController {
  constructor(private readonly registry: SchemaRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every subject with its versions, compatibility mode, category and classification' })
  list() {
    return this.registry.listSubjects();
  }

  @Get(':subject/versions')
  @ApiOperation({ summary: 'The versions registered for a subject, e.g. case.AddressChanged' })
  versions(@Param('subject') subject: string) {
    return this.registry.versions(subject);
  }

  @Get(':subject/versions/latest')
  @ApiOperation({ summary: 'The newest version’s schema' })
  latest(@Param('subject') subject: string) {
    return this.registry.get(subject, 'latest');
  }

  @Get(':subject/versions/:version')
  @ApiOperation({ summary: 'One version’s schema' })
  version(@Param('subject') subject: string, @Param('version', ParseIntPipe) version: number) {
    return this.registry.get(subject, version);
  }

  @Post(':subject/versions')
  @HttpCode(201)
  @RequireRole('integrator', 'operator')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Register the next version; refused (409) with every incompatibility if it breaks the subject’s mode' })
  @ApiBody({ description: 'A JSON Schema 2020-12 document whose $id names the next version' })
  @ApiResponse({
    status: 201,
    description: 'Registered',
    schema: { type: 'object', properties: { subject: { type: 'string' }, version: { type: 'integer' }, id: { type: 'string' }, registryId: { type: 'integer' } } },
  })
  @ApiResponse({ status: 409, description: 'SCHEMA.INCOMPATIBLE or SCHEMA.WRONG_VERSION, with reasons' })
  @ApiResponse({ status: 422, description: 'SCHEMA.INVALID_DOCUMENT: not a usable schema ($ref outside the registry, circular $ref, unknown keyword…)' })
  register(@Param('subject') subject: string, @Body() schema: unknown) {
    return this.registry.register(subject, schema);
  }

  @Post(':subject/compatibility')
  @HttpCode(200)
  @ApiOperation({ summary: 'Check a candidate schema against the subject’s versions under its mode; registers nothing' })
  check(@Param('subject') subject: string, @Body() schema: unknown) {
    return this.registry.checkCandidate(subject, schema);
  }

  @Get(':subject/config')
  @ApiOperation({ summary: 'The subject’s compatibility mode' })
  async config(@Param('subject') subject: string) {
    return { compatibility: await this.registry.mode(subject) };
  }

  @Put(':subject/config')
  @RequireRole('integrator', 'operator')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Set the subject’s compatibility mode: NONE, BACKWARD, FORWARD, FULL, or a *_TRANSITIVE variant' })
  async setConfig(@Param('subject') subject: string, @Body() body: { compatibility?: unknown }) {
    return { compatibility: await this.registry.setMode(subject, String(body?.compatibility)) };
  }
}
