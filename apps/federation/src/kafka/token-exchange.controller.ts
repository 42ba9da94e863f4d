import { Body, Controller, Get, Header, HttpCode, Inject, Logger, NotFoundException, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IdentityError, TOKEN_VERIFIER, type HubKeyRing, type TokenVerifier, type VerifiedCaller } from '@passerelle/identity';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import type { Response } from 'express';
import { readFileSync } from 'node:fs';
import { KAFKA_TOKEN_ISSUER } from './kafka-token-issuer';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';

type OAuthError = 'invalid_request' | 'invalid_grant' | 'invalid_target' | 'unsupported_grant_type';

/** An RFC 6749 §5.2 error: status 400 and a body naming the problem. */
class OAuthRefusal extends Error {
  constructor(
    readonly error: OAuthError,
    readonly description: string,
  ) {
    super(description);
  }
}

interface ExchangeRequest {
  grant_type?: unknown;
  subject_token?: unknown;
  subject_token_type?: unknown;
  audience?: unknown;
  resource?: unknown;
  requested_token_type?: unknown;
  actor_token?: unknown;
}

/**
 * The hub as the Kafka token issuer. An organization presents a token from its own
 * federated issuer (verified exactly as the gateway verifies every call) and receives a
 * short-lived token the broker accepts: `sub` its principal (its id), `aud` the Kafka
 * audience, `iss` the hub, a `jti`, a lifetime of minutes that never outlasts the token it
 * was exchanged for. The broker checks these against the JWKS published here.
 */
@ApiTags('kafka')
@Controller()
export class TokenExchangeController {
  private readonly logger = new Logger('TokenExchange');

  constructor(
    @Inject(KAFKA_TOKEN_ISSUER) private readonly ring: HubKeyRing | null,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  @Get('.well-known/jwks.json')
  @Header('cache-control', 'public, max-age=60')
  @ApiOperation({ summary: "The public keys of the hub's Kafka tokens (the broker reads the same set from a file)" })
  jwks(): { keys: object[] } {
    if (!this.ring) throw new NotFoundException({ code: 'KAFKA.NOT_CONFIGURED', message: 'this hub runs without a secured Kafka: it issues no Kafka tokens' });
    return this.ring.jwks();
  }

  @Get('.well-known/passerelle-kafka')
  @ApiOperation({ summary: "What a member's own Kafka client needs: bootstrap servers, security, the CA, the token endpoint" })
  connection(): object {
    const bus = this.config.bus;
    if (!this.ring || bus.kind !== 'kafka' || bus.security.kind !== 'sasl_ssl') {
      throw new NotFoundException({ code: 'KAFKA.NOT_CONFIGURED', message: 'this hub runs without a secured Kafka: members publish and read over HTTP' });
    }
    return {
      bootstrapServers: bus.brokers,
      securityProtocol: 'SASL_SSL',
      saslMechanism: 'OAUTHBEARER',
      tokenEndpoint: '/oauth/token',
      audience: this.ring.audience,
      issuer: this.ring.issuer,
      // The CA the broker's certificate chains to; absent, the system's trust store applies.
      ca: bus.security.caFile ? readFileSync(bus.security.caFile, 'utf8') : null,
    };
  }

  @Post('oauth/token')
  @HttpCode(200)
  @ApiOperation({ summary: "RFC 8693 token exchange: an organization's own token for a Kafka access token" })
  async exchange(@Body() body: ExchangeRequest, @Res({ passthrough: true }) response: Response): Promise<object> {
    response.setHeader('cache-control', 'no-store');
    try {
      return await this.issue(body ?? {});
    } catch (err) {
      if (!(err instanceof OAuthRefusal)) throw err;
      this.logger.warn({ error: err.error, reason: err.description }, `token exchange refused: ${err.error}: ${err.description}`);
      response.status(400);
      return { error: err.error, error_description: err.description };
    }
  }

  private async issue(body: ExchangeRequest): Promise<object> {
    if (!this.ring) throw new OAuthRefusal('invalid_target', 'this hub runs without a secured Kafka: it issues no Kafka tokens');
    if (body.grant_type !== TOKEN_EXCHANGE) {
      throw new OAuthRefusal('unsupported_grant_type', `grant_type must be ${TOKEN_EXCHANGE}, not ${describe(body.grant_type)}`);
    }
    if (typeof body.subject_token !== 'string' || body.subject_token === '') throw new OAuthRefusal('invalid_request', 'subject_token is missing: give the token your own issuer signed');
    if (body.subject_token_type !== ACCESS_TOKEN && body.subject_token_type !== JWT) {
      throw new OAuthRefusal('invalid_request', `subject_token_type must be ${ACCESS_TOKEN} or ${JWT}, not ${describe(body.subject_token_type)}`);
    }
    if (body.actor_token !== undefined) throw new OAuthRefusal('invalid_request', 'actor_token is not supported: the hub issues tokens for the subject only, not for delegation');
    if (body.requested_token_type !== undefined && body.requested_token_type !== ACCESS_TOKEN && body.requested_token_type !== JWT) {
      throw new OAuthRefusal('invalid_request', `requested_token_type ${describe(body.requested_token_type)} is not issued here: ask for ${ACCESS_TOKEN}`);
    }
    for (const target of [body.audience, body.resource]) {
      if (target !== undefined && target !== this.ring.audience) {
        throw new OAuthRefusal('invalid_target', `tokens are issued here for ${this.ring.audience} only, not ${describe(target)}`);
      }
    }

    let caller: VerifiedCaller;
    try {
      caller = await this.verifier.verify(body.subject_token);
    } catch (err) {
      if (err instanceof IdentityError) throw new OAuthRefusal('invalid_grant', `${err.code}: ${err.message}`);
      throw err;
    }
    const organization = caller.organization;
    if (!organization.roles.includes('publisher') && !organization.roles.includes('subscriber')) {
      throw new OAuthRefusal('invalid_grant', `${organization.id} has no right on Kafka (neither publisher nor subscriber: suspended, or never granted)`);
    }
    const ttl = this.config.bus.kind === 'kafka' && this.config.bus.security.kind === 'sasl_ssl' ? this.config.bus.security.tokenTtlSeconds : 300;
    // Never outlives what it was exchanged for: a revoked or expiring subject token bounds it.
    const left = Math.floor((caller.expiresAt.getTime() - Date.now()) / 1000);
    const lifetime = Math.min(ttl, left);
    if (lifetime < 1) throw new OAuthRefusal('invalid_grant', 'the subject token expires now: get a fresh one from your issuer');
    const token = await this.ring.mint(organization.id, lifetime, { azp: caller.subject });
    this.logger.log({ organization: organization.id, subject: caller.subject, jti: token.jti, kid: token.kid, expiresIn: lifetime }, `Kafka token issued to ${organization.id}`);
    return { access_token: token.value, issued_token_type: ACCESS_TOKEN, token_type: 'Bearer', expires_in: lifetime };
  }
}

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : JSON.stringify(value);
}
