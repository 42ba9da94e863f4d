import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { devIssuer, generateOrganizationKey, writeKeyFiles, type Role } from '@passerelle/identity';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import { FederationRegistry } from './federation-registry';

/** The organizations an embedded hub starts with, so it can be tried at once. */
export const DEMO_ORGANIZATIONS: ReadonlyArray<{ id: string; name: string; roles: Role[] }> = [
  { id: 'hub', name: 'Hub operator (demo)', roles: ['operator', 'auditor'] },
  { id: 'demo.health', name: 'Health Insurance Board (demo)', roles: ['publisher', 'subscriber', 'integrator', 'single-window'] },
  { id: 'demo.transport', name: 'Vehicle and Licensing Agency (demo)', roles: ['publisher', 'subscriber', 'integrator'] },
  { id: 'demo.employment', name: 'Employment and Solidarity Ministry (demo)', roles: ['publisher', 'subscriber', 'integrator'] },
];

/**
 * Seeds an empty federation with the demo organizations: each gets a fresh ES256 key pair,
 * the private half written to the keys folder for `passerelle token` and `passerelle sign`.
 * On by default in embedded mode only (PASSERELLE_DEMO_FEDERATION=on|off).
 */
@Injectable()
export class DemoFederation implements OnModuleInit {
  private readonly logger = new Logger(DemoFederation.name);

  constructor(
    private readonly registry: FederationRegistry,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.config.seedDemoFederation || this.registry.organizations().length > 0) return;
    for (const org of DEMO_ORGANIZATIONS) {
      const key = await generateOrganizationKey('ES256', `${org.id}-1`);
      await writeKeyFiles(this.config.keysDir, { organization: org.id, kid: key.kid, alg: key.alg, issuer: devIssuer(org.id), privateJwk: key.privateJwk }, key.publicJwk);
      const validFrom = new Date().toISOString();
      await this.registry.execute(
        { type: 'AdmitOrganization', id: org.id, name: org.name, issuers: [devIssuer(org.id)], roles: org.roles, keys: [{ kid: key.kid, alg: key.alg, jwk: key.publicJwk, validFrom }] },
        'hub/demo-seed',
      );
    }
    this.logger.log(
      { organizations: DEMO_ORGANIZATIONS.map((o) => o.id), keys: this.config.keysDir },
      `demo federation seeded: ${DEMO_ORGANIZATIONS.map((o) => o.id).join(', ')}; try: npx passerelle publish docs/examples/1-open.json --as demo.health`,
    );
  }
}
