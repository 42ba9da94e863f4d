import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';

/**
 * What the console needs to know before anyone signs in: the OpenID Connect provider it may
 * send people to (PASSERELLE_CONSOLE_OIDC_*), or none. Public, as a provider's discovery
 * document is: it holds no secret (the console is a public client, its proof is PKCE).
 */
@ApiTags('console')
@Controller('console')
export class ConsoleConfigController {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {}

  @Get('config')
  @Header('Cache-Control', 'no-cache')
  @ApiOperation({ summary: 'The console’s sign-in settings: the OpenID Connect provider (issuer, client id, redirect URI, scope, resource), or null when tokens are pasted' })
  settings() {
    const oidc = this.config.consoleSignIn;
    return { oidc: oidc ? { issuer: oidc.issuer, clientId: oidc.clientId, redirectUri: oidc.redirectUri ?? null, scope: oidc.scope, resource: oidc.resource } : null };
  }
}
