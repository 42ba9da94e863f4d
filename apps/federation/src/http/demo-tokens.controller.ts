import { Body, Controller, Get, HttpCode, Inject, Injectable, NotFoundException, Post, UnprocessableEntityException, UseGuards, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { KeyFileError, mintToken, readKeyFile } from '@passerelle/identity';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import type { Request } from 'express';
import { DEMO_ORGANIZATIONS } from '../registry/demo-federation';
import { FederationRegistry } from '../registry/federation-registry';

/** A console sign-in lasts this long; then the console asks for a new one, as with any expired token. */
const DEMO_TOKEN_TTL_SECONDS = 900;

/**
 * The demo routes exist only where the demo federation does (embedded mode, or
 * PASSERELLE_DEMO_FEDERATION=on): anywhere else they answer exactly as a route that does not
 * exist, so a production hub has no way to hand out tokens.
 */
@Injectable()
class DemoOnly implements CanActivate {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.config.seedDemoFederation) return true;
    const request = context.switchToHttp().getRequest<Request>();
    throw new NotFoundException(`Cannot ${request.method} ${request.originalUrl}`);
  }
}

/**
 * What the console's demo sign-in uses: the demo organizations, and a development token for
 * one of them, minted with its key from the keys folder as `passerelle token` does. This is
 * the organization's identity provider played by the hub, for trying the hub on one machine.
 */
@ApiTags('demo')
@Controller('demo')
@UseGuards(DemoOnly)
export class DemoTokensController {
  constructor(
    private readonly registry: FederationRegistry,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Get('organizations')
  @ApiOperation({ summary: 'Demo mode only: the demo organizations one may sign in as, with their roles' })
  organizations() {
    return DEMO_ORGANIZATIONS.flatMap((demo) => {
      const member = this.registry.organization(demo.id);
      return member ? [{ id: member.id, name: member.name, roles: member.roles }] : [];
    });
  }

  @Post('tokens')
  @HttpCode(200)
  @ApiOperation({ summary: 'Demo mode only: a development access token (15 min) for a demo organization, with all its roles' })
  async token(@Body() body: { organization?: unknown }) {
    const id = typeof body?.organization === 'string' ? body.organization : '';
    const member = DEMO_ORGANIZATIONS.some((d) => d.id === id) ? this.registry.organization(id) : undefined;
    if (!member) {
      throw new NotFoundException({ code: 'DEMO.UNKNOWN_ORGANIZATION', message: `${JSON.stringify(id.slice(0, 80))} is not a demo organization: use one of ${DEMO_ORGANIZATIONS.map((d) => d.id).join(', ')}` });
    }
    let file;
    try {
      file = await readKeyFile(this.config.keysDir, id);
    } catch (err) {
      if (err instanceof KeyFileError) throw new UnprocessableEntityException({ code: 'DEMO.NO_KEY', message: err.message });
      throw err;
    }
    const issuedAt = new Date();
    const token = await mintToken(
      { iss: file.issuer, sub: `${id}/console`, roles: member.roles, aud: this.config.tokens.audience, ttlSeconds: DEMO_TOKEN_TTL_SECONDS },
      { privateJwk: file.privateJwk, kid: file.kid, alg: file.alg },
      () => issuedAt,
    );
    return { token, organization: { id: member.id, name: member.name }, roles: member.roles, expiresAt: new Date(issuedAt.getTime() + DEMO_TOKEN_TTL_SECONDS * 1000).toISOString() };
  }
}
