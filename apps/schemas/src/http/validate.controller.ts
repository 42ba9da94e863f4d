import { Body, Controller, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SchemaRegistry } from '../registry/schema-registry';

@ApiTags('schema registry')
@Controller('validate')
export class ValidateController {
  constructor(private readonly registry: SchemaRegistry) {}

  /** Always 200: the answer is in `valid`; `errors` say where and why. */
  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Validate a case event envelope (or, with ?type=, a bare data payload) against the registry' })
  @ApiQuery({ name: 'type', required: false, description: 'e.g. passerelle.case.CaseOpened.v1: validate the body as that type’s data' })
  validate(@Body() body: unknown, @Query('type') type?: string) {
    const validator = this.registry.validator();
    const result = type ? validator.validateData(type, body) : validator.validate(body);
    return result.valid ? { valid: true, type: type ?? (body as { type: string }).type, errors: [] } : { valid: false, code: result.code, errors: result.errors };
  }
}
