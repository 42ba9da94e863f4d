import { Controller, Get, Header, type OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { asyncApiYaml, defaultSchemasDir, projectVersion, readSchemaDirectory } from '@passerelle/contracts';

/** Serves the AsyncAPI 3.0 description of the topics, generated once at start from schemas/. */
@ApiTags('contracts')
@Controller()
export class AsyncApiController implements OnModuleInit {
  private document = '';

  async onModuleInit(): Promise<void> {
    this.document = asyncApiYaml(await readSchemaDirectory(defaultSchemasDir()), projectVersion());
  }

  @Get('asyncapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  @ApiOperation({ summary: 'AsyncAPI 3.0: the inbound, outbound and receipt topics and every event type' })
  asyncapi(): string {
    return this.document;
  }
}
