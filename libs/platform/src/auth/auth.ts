import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  ForbiddenException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { IdentityError, TOKEN_VERIFIER, type Role, type TokenVerifier, type VerifiedCaller } from '@passerelle/identity';
import type { Request } from 'express';

const ROLES_KEY = 'passerelle:roles';

/**
 * The caller must present a bearer token from a member organization holding one of these
 * roles. Routes without it (health, docs, AsyncAPI) are public.
 */
export const RequireRole = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** The verified caller of a route guarded by @RequireRole. */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): VerifiedCaller => {
  return (context.switchToHttp().getRequest<Request & { caller?: VerifiedCaller }>()).caller!;
});

/** Verifies the token of every route that requires a role; 401/403 with the identity error's code. */
@Injectable()
export class TokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TOKEN_VERIFIER) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [context.getHandler(), context.getClass()]);
    if (!roles) return true;
    const request = context.switchToHttp().getRequest<Request & { caller?: VerifiedCaller }>();
    let caller: VerifiedCaller;
    try {
      caller = await this.verifier.verify(request.headers.authorization);
    } catch (err) {
      if (err instanceof IdentityError) throw new UnauthorizedException({ code: err.code, message: err.message });
      throw err;
    }
    if (!roles.some((role) => caller.roles.includes(role))) {
      // Who was refused, for the access log: the token was valid, the role missing.
      (request as Request & { refusedCaller?: VerifiedCaller }).refusedCaller = caller;
      throw new ForbiddenException({ code: 'TOKEN.ROLE_MISSING', message: `this requires the role ${roles.join(' or ')}; the token of ${caller.organization.id} carries ${caller.roles.join(', ') || 'none'}` });
    }
    request.caller = caller;
    return true;
  }
}
