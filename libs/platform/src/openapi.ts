import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { projectVersion } from '@passerelle/contracts';

type Operation = NonNullable<OpenAPIObject['paths'][string]['get']>;
type Parameter = { name: string; in: string; required?: boolean; description?: string };
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/**
 * The OpenAPI document a target serves at /docs-json: what its controllers declare, plus
 * what a client generator needs and a linter checks: the bearer scheme that
 * `@ApiBearerAuth()` refers to, an explicit `security: []` on open routes, a server, the
 * license, and a documented refusal (`{ code, message }`) on every operation that can be
 * refused for its input or its token.
 */
export function openApiDocument(nest: INestApplication, name: string, description: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(`Passerelle ${name}`)
    .setDescription(description)
    .setVersion(projectVersion())
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    // Relative: the document is served by the very hub (or target) it describes.
    .addServer('/', 'the server this document was read from')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token (RFC 9068) from a member organization’s issuer; see docs/identity.md' },
      'bearer',
    )
    .build();
  return completeOperations(SwaggerModule.createDocument(nest, config));
}

function completeOperations(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  document.components.schemas ??= {};
  document.components.responses ??= {};
  document.components.schemas.Refusal = {
    type: 'object',
    required: ['code', 'message'],
    properties: {
      statusCode: { type: 'integer' },
      code: { type: 'string', description: 'A stable code, e.g. TOKEN.MISSING, SCHEMA.INVALID, REQUEST.MALFORMED_JSON' },
      message: { type: 'string', description: 'What went wrong and how to fix it' },
    },
  };
  document.components.responses.Refused = {
    description: 'Refused: the token, the parameters or the body; the code and message say which and why',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Refusal' } } },
  };
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method] as Operation | undefined;
      if (!operation) continue;
      operation.security ??= [];
      if (operation.parameters) operation.parameters = headerParameters(operation.parameters as Parameter[]) as Operation['parameters'];
      const refusable = operation.security.length > 0 || (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
      const has4xx = Object.keys(operation.responses ?? {}).some((status) => status.startsWith('4'));
      if (refusable && !has4xx) operation.responses = { ...operation.responses, '4XX': { $ref: '#/components/responses/Refused' } };
    }
  }
  return document;
}

/**
 * Header parameters as a client should send them. `@Headers('x')` in a controller shows up as
 * a required, undescribed header: `authorization` is the bearer scheme's, one that an
 * `@ApiHeader` also declares (any case) is that one, and any other is optional (the
 * controller checks what it reads).
 */
function headerParameters(parameters: Parameter[]): Parameter[] {
  const described = new Set(parameters.filter((p) => p.in === 'header' && p.description !== undefined).map((p) => p.name.toLowerCase()));
  return parameters.flatMap((p) => {
    if (p.in !== 'header' || p.description !== undefined) return [p];
    if (p.name.toLowerCase() === 'authorization' || described.has(p.name.toLowerCase())) return [];
    return [{ ...p, required: false }];
  });
}
