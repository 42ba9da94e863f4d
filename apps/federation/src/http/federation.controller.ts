import { Body, Catch, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, UseFilters, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { PURPOSES } from '@passerelle/contracts';
import { keyStateAt, ROLES, type KeyRecord, type MemberOrganization, type Role, type SigningAlgorithm, type VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import type { JsonWebKey } from 'node:crypto';
import type { Response } from 'express';
import { FederationError, FederationRegistry } from '../registry/federation-registry';

const STATUS: Record<string, number> = {
  'FEDERATION.ALREADY_MEMBER': HttpStatus.CONFLICT,
  'FEDERATION.ISSUER_TAKEN': HttpStatus.CONFLICT,
  'FEDERATION.KEY_ID_TAKEN': HttpStatus.CONFLICT,
  'FEDERATION.NOT_A_MEMBER': HttpStatus.NOT_FOUND,
  'FEDERATION.UNKNOWN_KEY': HttpStatus.NOT_FOUND,
  'FEDERATION.INVALID': HttpStatus.UNPROCESSABLE_ENTITY,
};

@Catch(FederationError)
class FederationErrorFilter implements ExceptionFilter {
  catch(error: FederationError, host: ArgumentsHost): void {
    const status = STATUS[error.rejection.code] ?? HttpStatus.UNPROCESSABLE_ENTITY;
    host.switchToHttp().getResponse<Response>().status(status).json({ statusCode: status, ...error.rejection });
  }
}

interface AdmitBody {
  id?: unknown;
  name?: unknown;
  issuers?: unknown;
  roles?: unknown;
  keys?: unknown;
  jwksUri?: unknown;
}

/** The operator's API over the federation: members, their keys with validity history, roles. */
@ApiTags('federation')
@ApiBearerAuth()
@Controller('federation')
@UseFilters(FederationErrorFilter)
export class FederationController {
  constructor(private readonly registry: FederationRegistry) {}

  @Get('me')
  @RequireRole(...ROLES)
  @ApiOperation({ summary: 'Who the token speaks for: its organization, the roles it grants here, when it expires' })
  me(@Caller() caller: VerifiedCaller) {
    return { organization: { id: caller.organization.id, name: caller.organization.name }, subject: caller.subject, roles: caller.roles, expiresAt: caller.expiresAt.toISOString() };
  }

  @Get('purposes')
  @RequireRole(...ROLES)
  @ApiOperation({ summary: 'The catalogue of purposes a grant may serve and a read must state (Passerelle-Purpose header), with what each means' })
  purposes() {
    return Object.entries(PURPOSES).map(([code, description]) => ({ code, description }));
  }

  @Get('organizations')
  @RequireRole('operator', 'auditor')
  @ApiOperation({ summary: 'Members with their roles and keys (state of each key now)' })
  list() {
    return this.registry.organizations().map(present);
  }

  @Get('organizations/:id')
  @RequireRole('operator', 'auditor')
  @ApiOperation({ summary: 'One member with its roles and keys; 404 FEDERATION.NOT_A_MEMBER if it is none' })
  one(@Param('id') id: string) {
    const org = this.registry.organization(id);
    if (!org) throw new NotFoundException({ code: 'FEDERATION.NOT_A_MEMBER', message: `${id} is not a member of the federation` });
    return present(org);
  }

  @Post('organizations')
  @RequireRole('operator')
  @ApiOperation({ summary: 'Admit an organization: id, name, issuers, roles, public keys (JWKS keys with kid and alg)' })
  async admit(@Body() body: AdmitBody, @Caller() caller: VerifiedCaller) {
    const now = new Date().toISOString();
    await this.registry.execute(
      {
        type: 'AdmitOrganization',
        id: String(body.id ?? ''),
        name: String(body.name ?? ''),
        issuers: strings(body.issuers),
        roles: strings(body.roles) as Role[],
        keys: (Array.isArray(body.keys) ? body.keys : []).map((jwk) => keyRecord(jwk, now)),
        ...(typeof body.jwksUri === 'string' ? { jwksUri: body.jwksUri } : {}),
      },
      actor(caller),
    );
    return present(this.registry.organization(String(body.id))!);
  }

  @Post('organizations/:id/keys')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Rotate: add a key; the current keys are retired at retireAt (default now) and keep verifying what they signed before' })
  async rotate(@Param('id') id: string, @Body() body: { key?: unknown; retireAt?: unknown }, @Caller() caller: VerifiedCaller) {
    const now = new Date().toISOString();
    const retireAt = typeof body.retireAt === 'string' ? isoInstant(body.retireAt, 'retireAt') : now;
    const key = keyRecord(body.key, now);
    const events = await this.registry.execute({ type: 'RotateKeys', id, key, retireOthersAt: retireAt }, actor(caller));
    return { added: key.kid, retired: events.flatMap((e) => (e.type === 'KeyRetired' ? [e.data.kid] : [])), retireAt };
  }

  @Post('organizations/:id/keys/:kid/revoke')
  @HttpCode(200)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Revoke a key from revokedAt (default now): nothing presented with it from then on is accepted' })
  async revoke(@Param('id') id: string, @Param('kid') kid: string, @Body() body: { reason?: unknown; revokedAt?: unknown }, @Caller() caller: VerifiedCaller) {
    const revokedAt = typeof body.revokedAt === 'string' ? isoInstant(body.revokedAt, 'revokedAt') : new Date().toISOString();
    await this.registry.execute({ type: 'RevokeKey', id, kid, revokedAt, reason: String(body.reason ?? '') }, actor(caller));
    return { kid, revokedAt: this.registry.organization(id)!.keys.find((k) => k.kid === kid)!.revokedAt };
  }
}

function present(org: MemberOrganization) {
  const now = new Date();
  return { ...org, keys: org.keys.map((k) => ({ ...k, state: keyStateAt(k, now).kind })) };
}

function actor(caller: VerifiedCaller): string {
  return `${caller.organization.id}/${caller.subject}`;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : [];
}

function isoInstant(value: string, name: string): string {
  const time = new Date(value);
  if (Number.isNaN(time.getTime())) throw new FederationError({ code: 'FEDERATION.INVALID', message: `${name} "${value}" is not an ISO 8601 instant` });
  return time.toISOString();
}

/** A public JWK as registered: its kid and alg are required; the private part is refused. */
function keyRecord(value: unknown, validFrom: string): KeyRecord {
  if (typeof value !== 'object' || value === null) throw new FederationError({ code: 'FEDERATION.INVALID', message: 'a key must be a JWK object' });
  const { kid, alg, d, p, q, dp, dq, qi, ...rest } = value as Record<string, unknown>;
  if (d !== undefined || p !== undefined || q !== undefined || dp !== undefined || dq !== undefined || qi !== undefined) {
    throw new FederationError({ code: 'FEDERATION.INVALID', message: `key ${String(kid)} contains private key material: register the public key only` });
  }
  if (typeof kid !== 'string') throw new FederationError({ code: 'FEDERATION.INVALID', message: 'every key needs a kid' });
  if (!['ES256', 'EdDSA', 'PS256', 'RS256'].includes(String(alg))) {
    throw new FederationError({ code: 'FEDERATION.INVALID', message: `key ${kid} has alg ${String(alg)}: use ES256, EdDSA, PS256 or RS256` });
  }
  return { kid, alg: alg as SigningAlgorithm, jwk: { ...(rest as JsonWebKey) }, validFrom };
}
