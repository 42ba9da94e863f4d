import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { FEDERATION_DIRECTORY, FederationLog, TOKEN_VERIFIER, TokenVerifier, type TokenPolicy } from '@passerelle/identity';
import { TokenGuard } from './auth';

class FederationLogCloser implements OnApplicationShutdown {
  constructor(@Inject(FEDERATION_DIRECTORY) private readonly log: FederationLog) {}
  onApplicationShutdown(): void {
    this.log.close();
  }
}

/**
 * Who is calling: the member directory (folded from the federation's events in the hub's
 * database), the token verifier over it, and a guard that enforces @RequireRole everywhere.
 */
@Global()
@Module({})
export class IdentityModule {
  static forRoot(policy: Partial<TokenPolicy>): DynamicModule {
    return {
      module: IdentityModule,
      providers: [
        { provide: FEDERATION_DIRECTORY, inject: [SQL_DATABASE], useFactory: (db: SqlDatabase) => FederationLog.open(db) },
        { provide: TOKEN_VERIFIER, inject: [FEDERATION_DIRECTORY], useFactory: (directory: FederationLog) => new TokenVerifier(directory, policy) },
        { provide: APP_GUARD, useClass: TokenGuard },
        FederationLogCloser,
      ],
      exports: [FEDERATION_DIRECTORY, TOKEN_VERIFIER],
    };
  }
}
