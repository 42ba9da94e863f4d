import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_SIGNATURE_VERIFIER, EventSignatureVerifier, FEDERATION_DIRECTORY, FederationLog, KeyCache, TOKEN_VERIFIER, TokenVerifier, type TokenPolicy } from '@passerelle/identity';
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
        // One key cache for both verifiers: a key is imported once per process.
        { provide: KeyCache, useFactory: () => new KeyCache() },
        {
          provide: TOKEN_VERIFIER,
          inject: [FEDERATION_DIRECTORY, KeyCache],
          useFactory: (directory: FederationLog, keys: KeyCache) => new TokenVerifier(directory, policy, undefined, keys),
        },
        {
          provide: EVENT_SIGNATURE_VERIFIER,
          inject: [FEDERATION_DIRECTORY, KeyCache],
          useFactory: (directory: FederationLog, keys: KeyCache) => new EventSignatureVerifier(directory, keys),
        },
        { provide: APP_GUARD, useClass: TokenGuard },
        FederationLogCloser,
      ],
      exports: [FEDERATION_DIRECTORY, TOKEN_VERIFIER, EVENT_SIGNATURE_VERIFIER],
    };
  }
}
