import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_SIGNATURE_VERIFIER, EventSignatureVerifier, FEDERATION_DIRECTORY, FederationLog, KeyCache, TOKEN_VERIFIER, TokenVerifier, type TokenPolicy } from '@passerelle/identity';
import { METRICS, type Metrics } from '@passerelle/metrics';
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
          inject: [FEDERATION_DIRECTORY, KeyCache, METRICS],
          useFactory: (directory: FederationLog, keys: KeyCache, metrics: Metrics) => countCacheLookups(new TokenVerifier(directory, policy, undefined, keys), metrics),
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

/** The verified-token cache's hit rate, read from the verifier's own counts at scrape time. */
function countCacheLookups(verifier: TokenVerifier, metrics: Metrics): TokenVerifier {
  metrics.counter({
    name: 'passerelle_token_cache_lookups_total',
    help: 'Bearer tokens checked: hit when answered from the verified-token cache, miss when verified with crypto',
    labelNames: ['result'],
    collect() {
      const { cacheHits, verifications } = verifier.stats;
      this.reset();
      this.inc({ result: 'hit' }, cacheHits);
      this.inc({ result: 'miss' }, verifications);
    },
  });
  return verifier;
}
